#!/usr/bin/env python3
"""Benchmark models, generated on demand into bench/.cache/ (gitignored; MobileNetV2 is ~14 MB).

    .venv/bin/python bench/make_models.py [outdir]

- mobilenet_v2_f32.tflite : tf.keras.applications.MobileNetV2(224x224x3, weights=None), seeded random weights.
- mobilenet_v2_int8.tflite: its full-integer twin (int8 weights/activations, int8 input and output), calibrated
  on random images, with per-tensor weights for the dense (FULLY_CONNECTED) layer: TFLite 2.14.1's XNNPACK delegate
  takes int8 FULLY_CONNECTED only with per-tensor weights, so this twin runs every node but SOFTMAX (float-only in
  2.14.1's delegate) on XNNPACK's QS8 path. Convolutions keep per-channel weights.
- mobilenet_v2_int8_pc.tflite: the converter's default full-integer output (per-channel dense weights too). 2.14.1's
  XNNPACK leaves its FULLY_CONNECTED to the built-in kernel (ruy), which repacks the 1000x1280 weights every invoke.
- tiny_add.tflite         : a copy of test/fixtures/add.tflite (a + b, float32 [1,4]): per-call overhead.

Every op version is checked against what TFLite 2.14.1's builtin resolver registers (the table in
test/fixtures/make_fixtures.py), so the prebuilt library can run the models. Writes models.json with the op list.
Deterministic seeds; an existing file is kept (delete bench/.cache/ to regenerate).
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import warnings  # noqa: E402
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402
from tensorflow.lite.tools import flatbuffer_utils  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, ".cache")

sys.path.insert(0, os.path.join(ROOT, "test", "fixtures"))
try:
    from make_fixtures import MAX_OP_VERSION_2_14  # noqa: E402  (module-level code only defines things)
except Exception:  # pragma: no cover - fixtures script moved
    MAX_OP_VERSION_2_14 = None

_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def model_ops(buf):
    m = flatbuffer_utils.read_model_from_bytearray(bytearray(buf))
    out = []
    for oc in m.operatorCodes:
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        out.append((_OP_NAMES.get(code, str(code)), int(oc.version)))
    return out


def check_ops(name, buf):
    ops = model_ops(buf)
    if MAX_OP_VERSION_2_14 is not None:
        for op, version in ops:
            limit = MAX_OP_VERSION_2_14.get(op, 1)
            if version > limit:
                raise SystemExit(f"{name}: {op} v{version} is newer than TFLite 2.14.1 knows (max v{limit})")
    return [f"{op}/v{v}" for op, v in ops]


def build_keras():
    tf.keras.utils.set_random_seed(1234)
    model = tf.keras.applications.MobileNetV2(input_shape=(224, 224, 3), weights=None, classes=1000)
    # Random init leaves BatchNorm at identity (mean 0, var 1): give it plausible statistics so activations stay in a
    # realistic range for int8 calibration (does not change the graph: BN folds into the conv either way).
    rng = np.random.default_rng(1234)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                rng.uniform(-0.1, 0.1, beta.shape).astype(np.float32),
                rng.uniform(-0.1, 0.1, mean.shape).astype(np.float32),
                rng.uniform(0.5, 2.0, var.shape).astype(np.float32),
            ])
    return model


def concrete(model):
    fn = tf.function(lambda x: model(x, training=False),
                     input_signature=[tf.TensorSpec([1, 224, 224, 3], tf.float32, name="input")])
    return fn, fn.get_concrete_function()


def convert_f32(model):
    fn, cf = concrete(model)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([cf], fn)
    return converter.convert()


def convert_int8(model, per_tensor_dense=True):
    fn, cf = concrete(model)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([cf], fn)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    rng = np.random.default_rng(99)

    def representative():
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, (1, 224, 224, 3)).astype(np.float32)]

    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    if per_tensor_dense:
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def write(path, buf):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf)
    os.replace(tmp, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    info = {}
    f32 = os.path.join(OUT, "mobilenet_v2_f32.tflite")
    i8 = os.path.join(OUT, "mobilenet_v2_int8.tflite")
    i8pc = os.path.join(OUT, "mobilenet_v2_int8_pc.tflite")
    tiny = os.path.join(OUT, "tiny_add.tflite")
    model = None
    for path, conv in ((f32, convert_f32), (i8, convert_int8),
                       (i8pc, lambda m: convert_int8(m, per_tensor_dense=False))):
        if not os.path.exists(path):
            model = model or build_keras()
            buf = conv(model)
            check_ops(os.path.basename(path), buf)
            write(path, buf)
            print(f"wrote {path} ({len(buf)} bytes)", file=sys.stderr)
        with open(path, "rb") as f:
            buf = f.read()
        info[os.path.basename(path)] = {"bytes": len(buf), "ops": check_ops(os.path.basename(path), buf)}
    if not os.path.exists(tiny):
        shutil.copyfile(os.path.join(ROOT, "test", "fixtures", "add.tflite"), tiny)
    with open(tiny, "rb") as f:
        info["tiny_add.tflite"] = {"bytes": len(f.read()), "ops": ["ADD/v1"]}
    info["tensorflow"] = tf.__version__
    with open(os.path.join(OUT, "models.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
