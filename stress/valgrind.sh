#!/usr/bin/env bash
# memcheck over stress/valgrind-case.js (every fixture through every API path, the error paths and hostile models)
# on the addon the package loads (build/Release when present, else the prebuild).
#
#   bash stress/valgrind.sh [ROUNDS=2]
#
# Counts every error memcheck reports (invalid reads/writes, uninitialised values, bad frees) after the two known
# false positives in stress/valgrind.supp (glibc's loader, V8's conservative stack scan), and the bytes "definitely
# lost" at exit (the script disposes or collects everything before it exits, so these are real leaks; what node
# itself keeps until exit is "still reachable"). Fails on any error or definite leak.
# Output: stress/results/valgrind.json and stress/results/valgrind.log.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-2}
RESULTS="$REPO/stress/results"
LOG="$RESULTS/valgrind.log"
mkdir -p "$RESULTS"
if ! command -v valgrind >/dev/null; then
  echo "valgrind: installing it (apt)" >&2
  apt-get install -y -qq valgrind >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
fi
cd "$REPO"
started=$SECONDS
status=0
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --smc-check=all-non-file --num-callers=30 --suppressions="$REPO/stress/valgrind.supp" \
  node --expose-gc dist-tools/stress/valgrind-case.js "$ROUNDS" >"$LOG" 2>&1 || status=$?
python3 - "$LOG" "$RESULTS/valgrind.json" "$status" "$((SECONDS - started))" "$ROUNDS" <<'PY'
import json, re, sys
log, out, status, seconds, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
text = open(log, errors='replace').read()
def num(pattern):
    m = re.search(pattern, text)
    return int(m.group(1).replace(',', '')) if m else None
kinds = {}
for m in re.finditer(r'==\d+== (Invalid (?:read|write)|Conditional jump|Use of uninitialised|Invalid free|Mismatched free|Syscall param)', text):
    kinds[m.group(1)] = kinds.get(m.group(1), 0) + 1
script = re.search(r'^\{"rounds".*\}$', text, re.M)
result = {
    'rounds': rounds, 'exit': status, 'seconds': seconds,
    'errors': num(r'ERROR SUMMARY: ([\d,]+) errors'), 'errorKinds': kinds,
    'suppressed': num(r'ERROR SUMMARY: [\d,]+ errors from [\d,]+ contexts \(suppressed: ([\d,]+)'),
    'definitelyLostBytes': num(r'definitely lost: ([\d,]+) bytes') or 0,
    'indirectlyLostBytes': num(r'indirectly lost: ([\d,]+) bytes') or 0,
    'possiblyLostBytes': num(r'possibly lost: ([\d,]+) bytes') or 0,
    'stillReachableBytes': num(r'still reachable: ([\d,]+) bytes') or 0,
    'script': json.loads(script.group(0)) if script else None,
}
json.dump(result, open(out, 'w'), indent=2)
print(f"valgrind: {result['errors']} errors ({result['suppressed']} suppressed false positives), "
      f"definitely lost {result['definitelyLostBytes']} bytes, possibly lost {result['possiblyLostBytes']}, "
      f"{seconds} s; stress/results/valgrind.json")
ok = result['errors'] == 0 and result['definitelyLostBytes'] == 0 and result['script'] and result['script']['problems'] == 0
sys.exit(0 if ok else 1)
PY
