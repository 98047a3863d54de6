#!/usr/bin/env python3
"""Engine server for Python's tf.lite.Interpreter (tensorflow-cpu from the venv), driven by bench/run.js.

Same line protocol as bench/c_loop.c (one command per stdin line, one JSON line back):
  load ID THREADS XNNPACK PATH | run ID VARIANT ITERS BATCH WARMUP | free ID | quit
XNNPACK 1 = the default (TF 2.21 applies XNNPACK by default, num_threads = THREADS); 0 = BUILTIN_WITHOUT_DEFAULT_DELEGATES.
Variants: full  set_tensor(inputs), invoke(), get_tensor(outputs) (a copy): the usual Python call
          views the zero-copy tensor() views: view[...] = src, invoke(), np.copyto(dst, out view)
          invoke invoke() alone
Prints {"ready": true, "tensorflow": version} first (or {"ready": false, "error": ...} when TF is missing).

One-shot (for profiling):  python_bench.py --oneshot MODEL ITERS THREADS  -> {"us": [...]} after 5 warm-up invokes.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import warnings  # noqa: E402

warnings.filterwarnings("ignore")


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import numpy as np
    import tensorflow as tf
except Exception as error:  # noqa: BLE001
    reply({"ready": False, "error": f"{type(error).__name__}: {error}"})
    sys.exit(0)


def fill(shape, dtype):
    n = int(np.prod(shape))
    if np.dtype(dtype).kind == "f":
        i = np.arange(n, dtype=np.int64)
        return (((i * 7919) % 2001) / 1000.0 - 1.0).astype(dtype).reshape(shape)
    if np.dtype(dtype) in (np.dtype(np.int32), np.dtype(np.int64)):
        # as bench/engines/common.js: small values (token ids, indices)
        return ((np.arange(n, dtype=np.int64) * 7919) % 100).astype(dtype).reshape(shape)
    raw = ((np.arange(n * np.dtype(dtype).itemsize, dtype=np.int64) * 31) & 0xFF).astype(np.uint8)
    return raw.view(dtype).reshape(shape)


slots = {}


def load(sid, threads, xnnpack, path):
    kwargs = {"model_path": path, "num_threads": threads}
    if not xnnpack:
        kwargs["experimental_op_resolver_type"] = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    t0 = time.perf_counter_ns()
    it = tf.lite.Interpreter(**kwargs)
    t1 = time.perf_counter_ns()
    it.allocate_tensors()
    t2 = time.perf_counter_ns()
    ins = it.get_input_details()
    outs = it.get_output_details()
    src = [fill(d["shape"], d["dtype"]) for d in ins]
    dst = [np.empty(d["shape"], d["dtype"]) for d in outs]
    slots[sid] = {"it": it, "ins": [d["index"] for d in ins], "outs": [d["index"] for d in outs], "src": src,
                  "dst": dst}
    return {"loadUs": (t1 - t0) / 1e3, "allocUs": (t2 - t1) / 1e3, "xnnpack": bool(xnnpack)}


def run(sid, variant, iters, batch, warmup):
    s = slots[sid]
    it, ins, outs, src, dst = s["it"], s["ins"], s["outs"], s["src"], s["dst"]
    if variant == "full":
        pairs = list(zip(ins, src))

        def call():
            for index, value in pairs:
                it.set_tensor(index, value)
            it.invoke()
            return [it.get_tensor(index) for index in outs]
    elif variant == "views":
        in_views = [it.tensor(index) for index in ins]
        out_views = [it.tensor(index) for index in outs]

        def call():
            for view, value in zip(in_views, src):
                view()[...] = value
            it.invoke()
            for view, target in zip(out_views, dst):
                np.copyto(target, view())
    elif variant == "invoke":
        call = it.invoke
    else:
        raise ValueError(f"unknown variant {variant}")
    for _ in range(warmup * batch):
        call()
    us = []
    clock = time.perf_counter_ns
    for _ in range(iters):
        t0 = clock()
        for _ in range(batch):
            call()
        us.append((clock() - t0) / 1e3 / batch)
    return us


def main():
    reply({"ready": True, "tensorflow": tf.__version__, "numpy": np.__version__})
    for line in sys.stdin:
        parts = line.strip().split(" ")
        if not parts or not parts[0]:
            continue
        cmd = parts[0]
        try:
            if cmd == "quit":
                break
            sid = int(parts[1])
            if cmd == "load":
                reply({"ok": True, **load(sid, int(parts[2]), parts[3] == "1", " ".join(parts[4:]))})
            elif cmd == "run":
                # run ID VARIANT ITERS BATCH WARMUP: WARMUP is the sixth field (index 5), optional.
                warmup = int(parts[5]) if len(parts) > 5 else 0
                reply({"ok": True, "us": run(sid, parts[2], int(parts[3]), int(parts[4]), warmup)})
            elif cmd == "free":
                slots.pop(sid, None)
                reply({"ok": True})
            else:
                reply({"ok": False, "error": f"unknown command {cmd}"})
        except Exception as error:  # noqa: BLE001
            reply({"ok": False, "error": f"{type(error).__name__}: {error}"})


def oneshot(path, iters, threads):
    load(0, threads, True, path)
    reply({"ok": True, "us": run(0, "invoke", iters, 1, 5)})


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--oneshot":
        oneshot(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
