"""Record what Python's tf.lite.Interpreter does with every corpus model: test/corpus/references.json.

Why: DESIGN.md's rule is "a model Python's tf.lite runs, we run, with its outputs and on XNNPACK". This
script writes down, for each model, what "Python runs it" means: whether it loads, allocates and invokes
(and TFLite's error text when not), which ops it has, how many of them Python's default XNNPACK delegate
takes, and the outputs on a fixed input that a Node test regenerates byte for byte without numpy.

Every model runs in its own child process (a broken model may crash the interpreter; that is recorded as
a crash, not lost). Python runs use num_threads=1 unless timing with 2 threads.

THE INPUT RECIPE (input k = position in get_input_details(), element i = flat row-major index, from 0):

    n = (i * 7919 + k * 131) % M                      (exact integer arithmetic)

    float32 / float16 / float64:  M = 1000,  value = (2 * n) / 1000 - 1     computed in float64, then
                                  rounded to the tensor's type   (JS: Math.fround((2 * n) / 1000 - 1))
    int8 / uint8 / int16 / uint16 (quantized or not):  M = 2**bits,  value = dtype_min + n
    int32 / int64 / uint32 / uint64:  M = 100,  value = n            (safe as token ids / indices)
    bool:                             M = 2,    value = (n == 1)
    string:                           M = 1000, element i = the decimal digits of n (ASCII)

Shapes are get_input_details()['shape'] as Python reports them before any resize (a dynamic batch -1
is 1). Each input entry records the sha256 of the resulting little-endian bytes.

Output summaries (outputs with more than 64 elements): count, sum and sumAbs (float64 sums), min, max,
first16 (elements 0..15), and sampled = the values at positions floor(j * (count - 1) / 15), j = 0..15.
Quantized outputs are recorded raw (the integers in the tensor); quantization gives scale/zeroPoint.
NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity".

Usage (from the repo root; the cache models appear when fetch-mediapipe.sh / make_converted.py --big ran):
    .venv/bin/python test/corpus/make_references.py                # every model, rewrites references.json
    .venv/bin/python test/corpus/make_references.py --only lstm_   # update matching entries only
    .venv/bin/python test/corpus/make_references.py --no-timing    # skip python_ms_1t / python_ms_2t
"""

import argparse
import glob
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REFS = os.path.join(HERE, "references.json")
SOURCES = [  # (glob relative to HERE, source label, committed?)
    ("models/mediapipe/*.tflite", "mediapipe", True),
    ("models/converted/*.tflite", "converted", True),
    ("models/testdata/*.bin", "tensorflow-testdata", True),
    (".cache/mediapipe/*.tflite", "mediapipe", False),
    (".cache/converted/*.tflite", "converted", False),
]
FULL_LIMIT = 64
TIMING_WARMUP, TIMING_RUNS = 3, 20
CHILD_TIMEOUT_S = 900

RECIPE = ("input k, element i (flat row-major): n = (i*7919 + k*131) % M; "
          "float: M=1000, value = float32((2*n)/1000 - 1) computed in float64; "
          "int8/uint8/int16/uint16: M=2**bits, value = dtype_min + n; "
          "int32/int64/uint32/uint64: M=100, value = n; bool: M=2, value = n==1; "
          "string: M=1000, decimal digits of n")


def model_list():
    seen, out = set(), []
    for pattern, source, committed in SOURCES:
        for path in sorted(glob.glob(os.path.join(HERE, pattern))):
            base = os.path.basename(path)
            if source == "mediapipe" and not committed and base in seen:
                continue  # the committed copy is byte-identical; record it once
            seen.add(base)
            out.append((os.path.relpath(path, HERE), source, committed))
    return out


# --------------------------------------------------------------------------- child side

def child(rel, source, committed, timing):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings
    warnings.filterwarnings("ignore")
    import numpy as np
    import tensorflow as tf

    path = os.path.join(HERE, rel)
    blob = open(path, "rb").read()
    entry = {"file": rel, "source": source, "committed": committed, "bytes": len(blob),
             "sha256": hashlib.sha256(blob).hexdigest()}

    def make_input(k, detail):
        dtype = np.dtype(detail["dtype"])
        shape = [int(d) for d in detail["shape"]]
        count = int(np.prod(shape)) if shape else 1
        i = np.arange(count, dtype=np.int64)
        if dtype.kind == "f":
            n = (i * 7919 + k * 131) % 1000
            arr = ((2.0 * n) / 1000.0 - 1.0).astype(dtype)
        elif dtype.kind in "iu" and dtype.itemsize <= 2:
            span = 1 << (8 * dtype.itemsize)
            n = (i * 7919 + k * 131) % span
            arr = (np.iinfo(dtype).min + n).astype(dtype)
        elif dtype.kind in "iu":
            arr = ((i * 7919 + k * 131) % 100).astype(dtype)
        elif dtype.kind == "b":
            arr = ((i * 7919 + k * 131) % 2) == 1
        else:  # strings
            arr = np.array([str(v).encode() for v in (i * 7919 + k * 131) % 1000], dtype=object)
        return arr.reshape(shape)

    def recipe_modulus(dtype):
        if dtype.kind == "f" or dtype == object:
            return 1000
        if dtype.kind in "iu":
            return 1 << (8 * dtype.itemsize) if dtype.itemsize <= 2 else 100
        return 2

    def recipe_rule(dtype):
        if dtype.kind == "f":
            return f"{dtype.name}((2*n)/1000 - 1)"
        if dtype.kind in "iu" and dtype.itemsize <= 2:
            return f"{np.iinfo(dtype).min} + n"
        return {"b": "n == 1", "O": "decimal digits of n"}.get(dtype.kind, "n")

    def jnum(v):
        v = float(v)
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return int(v) if v.is_integer() and abs(v) < 2**53 else v

    def tensor_info(d):
        q = d.get("quantization", (0.0, 0))
        dtype = np.dtype(d["dtype"])
        info = {"name": d["name"], "index": int(d["index"]),
                "dtype": "string" if dtype.kind in "OSU" else dtype.name,
                "shape": [int(x) for x in d["shape"]],
                "shapeSignature": [int(x) for x in d.get("shape_signature", d["shape"])]}
        if q and q[0]:
            info["quantization"] = {"scale": float(q[0]), "zeroPoint": int(q[1])}
        return info

    def summarize(arr):
        flat = np.asarray(arr).reshape(-1)
        if flat.dtype.kind in "OSU":
            return {"count": int(flat.size), "values": [x.decode("latin1") if isinstance(x, bytes)
                                                        else str(x) for x in flat[:FULL_LIMIT]]}
        if flat.dtype.kind == "b":
            flat = flat.astype(np.int64)
        if flat.size <= FULL_LIMIT:
            return {"count": int(flat.size), "values": [jnum(v) for v in flat]}
        f = flat.astype(np.float64)
        pos = [(j * (flat.size - 1)) // 15 for j in range(16)]
        return {"count": int(flat.size),
                "sum": jnum(np.sum(f)), "sumAbs": jnum(np.sum(np.abs(f))),
                "min": jnum(np.min(f)), "max": jnum(np.max(f)),
                "first16": [jnum(v) for v in flat[:16]],
                "sampledPositions": pos, "sampled": [jnum(flat[p]) for p in pos]}

    def ops_of(details):
        counts = {}
        for o in details:
            counts[o["op_name"]] = counts.get(o["op_name"], 0) + 1
        return counts

    def run(resolver, threads=1):
        """Load, allocate, invoke; returns (record, interpreter or None, raw outputs or None)."""
        rec = {"loads": False, "allocates": False, "invokes": False}
        try:
            it = tf.lite.Interpreter(model_path=path, num_threads=threads,
                                     experimental_op_resolver_type=resolver)
            rec["loads"] = True
            rec["_before"] = it._get_ops_details()
            it.allocate_tensors()
            rec["allocates"] = True
            rec["_after"] = it._get_ops_details()
            ins = it.get_input_details()
            for k, d in enumerate(ins):
                it.set_tensor(d["index"], make_input(k, d))
            it.invoke()
            rec["invokes"] = True
            outs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
            return rec, it, outs
        except Exception as e:  # TFLite's own message is in the exception text
            rec["error"] = f"{type(e).__name__}: {e}".strip()
            return rec, None, None

    # Inputs/outputs as Python sees them (from a plain load without delegates).
    try:
        plain = tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=
                                    tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        ins = plain.get_input_details()
        entry["inputs"] = []
        for k, d in enumerate(ins):
            info = tensor_info(d)
            arr = make_input(k, d)
            info["recipe"] = {"k": k, "M": recipe_modulus(arr.dtype), "rule": recipe_rule(arr.dtype)}
            if arr.dtype != object:
                info["inputSha256"] = hashlib.sha256(arr.astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest()
            entry["inputs"].append(info)
        entry["outputsDetails"] = [tensor_info(d) for d in plain.get_output_details()]
        entry["signatures"] = sorted(plain.get_signature_list().keys())
        del plain
    except Exception as e:
        entry["inputs"] = None
        entry["loadError"] = f"{type(e).__name__}: {e}".strip()

    R = tf.lite.experimental.OpResolverType
    dflt, _, outs = run(R.AUTO)
    base, _, outs_b = run(R.BUILTIN_WITHOUT_DEFAULT_DELEGATES)

    # Ops without delegation; then, with default delegation, which original nodes XNNPACK took.
    # The node list before allocation is the model's own, whichever resolver loaded it (a builtin-only
    # load may fail at allocation on a custom op only the default XNNPACK delegate provides).
    nodes = base.get("_before") or dflt.get("_before")
    if nodes is not None:
        entry["ops"] = [o["op_name"] for o in nodes]
        entry["opCounts"] = ops_of(nodes)
        entry["nodeCount"] = len(nodes)
    if "_after" in dflt:
        original = dflt["_before"]
        n_orig = len(original)
        delegates = dflt["_after"][n_orig:]
        producer = {}
        for o in original:
            for t in o["outputs"]:
                producer[int(t)] = int(o["index"])
        taken = set()
        for d in delegates:  # walk back from each partition's outputs to its inputs
            stop = {int(t) for t in d["inputs"]}
            todo = [int(t) for t in d["outputs"]]
            while todo:
                t = todo.pop()
                if t in stop or t not in producer or producer[t] in taken:
                    continue
                node = producer[t]
                taken.add(node)
                todo.extend(int(x) for x in original[node]["inputs"] if int(x) >= 0)
        remaining = [o for o in original if int(o["index"]) not in taken]
        entry["xnnpack"] = {
            "delegateKernels": len(delegates),
            "delegateKernelNames": sorted({d["op_name"] for d in delegates}),
            "nodesDelegated": len(taken),
            "nodesRemaining": len(remaining),
            "remainingOpCounts": ops_of(remaining),
        }
    for rec in (dflt, base):
        rec.pop("_before", None)
        rec.pop("_after", None)
    entry["python"] = {"defaultDelegates": dflt, "builtinWithoutDefaultDelegates": base}

    if outs is not None or outs_b is not None:
        src = outs if outs is not None else outs_b
        entry["outputs"] = []
        for j, d in enumerate(entry["outputsDetails"]):
            o = dict(d)
            o.update(summarize(src[j]))
            if outs is not None and outs_b is not None and src[j].dtype.kind in "fiub":
                a = np.asarray(outs[j], dtype=np.float64)
                b = np.asarray(outs_b[j], dtype=np.float64)
                if a.shape == b.shape and a.size:
                    o["maxAbsDiffVsBuiltin"] = jnum(np.max(np.abs(a - b)))
            entry["outputs"].append(o)
        entry["outputsFrom"] = "defaultDelegates" if outs is not None else "builtinWithoutDefaultDelegates"
    entry.pop("outputsDetails", None)

    if timing and outs is not None:
        for threads, key in ((1, "python_ms_1t"), (2, "python_ms_2t")):
            it = tf.lite.Interpreter(model_path=path, num_threads=threads)
            it.allocate_tensors()
            for k, d in enumerate(it.get_input_details()):
                it.set_tensor(d["index"], make_input(k, d))
            for _ in range(TIMING_WARMUP):
                it.invoke()
            ms = []
            for _ in range(TIMING_RUNS):
                t0 = time.perf_counter()
                it.invoke()
                ms.append((time.perf_counter() - t0) * 1000)
            entry[key] = round(statistics.median(ms), 4)
            del it
    return entry


# --------------------------------------------------------------------------- parent side

def run_child(rel, source, committed, timing):
    cmd = [sys.executable, os.path.abspath(__file__), "--one", rel, "--source", source]
    if committed:
        cmd.append("--committed")
    if not timing:
        cmd.append("--no-timing")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"file": rel, "source": source, "committed": committed,
                "python": {"crashed": f"timeout after {CHILD_TIMEOUT_S} s"}}
    marker = "@@REFERENCE@@"
    for line in p.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker):])
    how = f"signal {-p.returncode}" if p.returncode < 0 else f"exit code {p.returncode}"
    tail = [l for l in p.stderr.strip().splitlines() if "XNNPACK delegate" not in l][-3:]
    return {"file": rel, "source": source, "committed": committed,
            "python": {"crashed": how, "stderrTail": tail}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="substring of the model path (repeatable); "
                    "updates only those entries in the existing references.json")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--source", help=argparse.SUPPRESS)
    ap.add_argument("--committed", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        entry = child(args.one, args.source, args.committed, not args.no_timing)
        print("@@REFERENCE@@" + json.dumps(entry), flush=True)
        return

    import tensorflow as tf  # only for the version stamp
    import numpy as np
    models = model_list()
    old = {}
    if args.only and os.path.exists(REFS):
        old = {m["file"]: m for m in json.load(open(REFS))["models"]}
    results = dict(old)
    for rel, source, committed in models:
        if args.only and not any(s in rel for s in args.only):
            continue
        t0 = time.time()
        entry = run_child(rel, source, committed, not args.no_timing)
        results[rel] = entry
        py = entry.get("python", {})
        status = py.get("crashed") or ("invokes" if py.get("defaultDelegates", {}).get("invokes") else
                                       py.get("defaultDelegates", {}).get("error", "?")[:100])
        print(f"{rel:60s} {time.time() - t0:6.1f}s  {status}", flush=True)

    order = {rel: n for n, (rel, _, _) in enumerate(models)}
    doc = {
        "generator": {"script": "test/corpus/make_references.py", "tensorflow": tf.__version__,
                      "numpy": np.__version__, "python": sys.version.split()[0],
                      "numThreads": 1, "timing": f"median of {TIMING_RUNS} invokes after {TIMING_WARMUP} warm-up, "
                                                 "default delegates (XNNPACK); noisy on a shared machine"},
        "inputRecipe": RECIPE,
        "summaryRule": f"outputs with <= {FULL_LIMIT} elements: values; else count, sum, sumAbs, min, max, "
                       "first16, sampled at floor(j*(count-1)/15) for j=0..15",
        "models": sorted(results.values(), key=lambda m: (order.get(m["file"], 1e9), m["file"])),
    }
    with open(REFS, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {REFS} ({len(doc['models'])} models)")


if __name__ == "__main__":
    main()
