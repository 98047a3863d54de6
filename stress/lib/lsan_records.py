"""Counts LeakSanitizer records that reach the addon or TFLite.

    python3 stress/lib/lsan_records.py LOG OUT.json

One record per "Direct/Indirect leak of N byte(s) in M object(s) allocated from:" block. A record is ours when a
frame is in the addon (symbolized: tflite_node::, /native/, or the .node file) or in libtensorflowlite_c; node's own
exit-time leftovers are not."""
import json
import re
import sys

OURS = ('tflite_runtime.node', 'tflite_node::', '/native/', 'libtensorflowlite_c')


def main(log, out):
    text = open(log, errors='replace').read()
    result = {'direct': 0, 'indirect': 0, 'bytes': 0, 'allRecords': 0, 'stacks': []}
    for block in re.split(r'\n(?=(?:Direct|Indirect) leak of )', text):
        m = re.match(r'(Direct|Indirect) leak of (\d+) byte', block)
        if not m:
            continue
        result['allRecords'] += 1
        frames = block.split('\n\n')[0]
        if any(k in frames for k in OURS):
            result['direct' if m.group(1) == 'Direct' else 'indirect'] += 1
            result['bytes'] += int(m.group(2))
            result['stacks'].append(frames[:1500])
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f"{result['direct']} direct / {result['indirect']} indirect, {result['bytes']} bytes "
          f"(of {result['allRecords']} LSan records)")


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
