"""Convert standard Keras architectures to .tflite in the converter's common modes.

Why: the judge of tflite-runtime's compatibility is what users bring, and most user models
come out of `tf.lite.TFLiteConverter.from_keras_model` in one of four modes. This script
produces exactly that output from the *current* converter (TF 2.21 from the local mirror),
so the corpus shows what a 2.14.1 runtime has to cope with: dynamic batch
(shape_signature -1 with SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE chains), hybrid
dynamic-range kernels, float16 weights with DEQUANTIZE, and full-integer int8 models.

Weights are random (weights=None) but seeded, so the files are reproducible; nothing here
is trained, and the tests only compare runtimes against Python on the same bytes.

Modes (file suffix):
  f32   plain conversion
  dyn   optimizations=[Optimize.DEFAULT], no representative dataset (dynamic-range int8 weights)
  f16   optimizations=[Optimize.DEFAULT], target_spec.supported_types=[tf.float16]
  int8  optimizations=[Optimize.DEFAULT], representative dataset, TFLITE_BUILTINS_INT8,
        inference_input_type = inference_output_type = tf.int8

Output: test/corpus/models/converted/<arch>_<mode>.tflite when the file is < 1.5 MB
(committed), else test/corpus/.cache/converted/<arch>_<mode>.tflite (made on demand).

Usage (from the repo root):
  .venv/bin/python test/corpus/make_converted.py            # the small architectures
  .venv/bin/python test/corpus/make_converted.py --big      # also EfficientNetB0 (cache only)
  .venv/bin/python test/corpus/make_converted.py --only lstm --only segmenter
"""

import argparse
import contextlib
import io
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np
import tensorflow as tf
import keras
from keras import layers

HERE = os.path.dirname(os.path.abspath(__file__))
COMMITTED_DIR = os.path.join(HERE, "models", "converted")
CACHE_DIR = os.path.join(HERE, ".cache", "converted")
COMMIT_LIMIT = 1_500_000  # bytes
SEED = 1234
MODES = ("f32", "dyn", "f16", "int8")


# --------------------------------------------------------------------------- architectures
# Each builder returns (model, sample_fn); sample_fn(rng) makes one batch-1 input list for
# the int8 representative dataset. Inputs keep Keras's dynamic batch (None, ...).

def mobilenetv3small():
    """MobileNetV3Small backbone (hard-swish, squeeze-excite, Rescaling preprocessing) with a
    lighter copy of Keras's own top: the 1024-wide 1x1 conv is left out to keep the f32 file
    under the commit limit; pooling(keepdims) -> 1x1 conv -> Flatten -> Softmax is kept, so the
    dynamic-batch Flatten still becomes SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE."""
    base = keras.applications.MobileNetV3Small(
        input_shape=(96, 96, 3), alpha=0.5, weights=None, include_top=False,
        include_preprocessing=True)
    x = layers.GlobalAveragePooling2D(keepdims=True)(base.output)
    x = layers.Conv2D(32, 1, name="logits")(x)
    x = layers.Flatten()(x)
    out = layers.Softmax(name="probs")(x)
    model = keras.Model(base.input, out, name="mobilenetv3small")
    return model, lambda rng: [rng.uniform(0, 255, (1, 96, 96, 3)).astype(np.float32)]


def efficientnetb0():
    model = keras.applications.EfficientNetB0(
        input_shape=(128, 128, 3), weights=None, classes=1000)
    return model, lambda rng: [rng.uniform(0, 255, (1, 128, 128, 3)).astype(np.float32)]


def transformer():
    """Two pre-norm-free encoder blocks: Embedding + position, MHA, LayerNorm, GELU FFN."""
    seq, vocab, d, heads, ff = 32, 500, 64, 4, 128
    tokens = keras.Input((seq,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab, d)(tokens)
    pos = layers.Embedding(seq, d)(keras.ops.arange(seq))
    x = x + pos
    for _ in range(2):
        a = layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads)(x, x)
        x = layers.LayerNormalization(epsilon=1e-6)(x + a)
        f = layers.Dense(ff, activation="gelu")(x)
        f = layers.Dense(d)(f)
        x = layers.LayerNormalization(epsilon=1e-6)(x + f)
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(8, activation="softmax", name="probs")(x)
    model = keras.Model(tokens, out, name="transformer")
    return model, lambda rng: [rng.integers(0, vocab, (1, seq)).astype(np.int32)]


def lstm():
    """Unrolled LSTM (unroll=True): the converter emits plain FULLY_CONNECTED/LOGISTIC/TANH/MUL
    chains instead of a fused UNIDIRECTIONAL_SEQUENCE_LSTM."""
    inp = keras.Input((16, 8), name="sequence")
    x = layers.LSTM(32, return_sequences=True, unroll=True)(inp)
    x = layers.LSTM(32, unroll=True)(x)
    out = layers.Dense(4, name="logits")(x)
    model = keras.Model(inp, out, name="lstm")
    return model, lambda rng: [rng.uniform(-1, 1, (1, 16, 8)).astype(np.float32)]


def segmenter():
    """Small encoder-decoder: strided Conv2D down, Conv2DTranspose + bilinear UpSampling2D up."""
    inp = keras.Input((64, 64, 3), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(inp)
    skip = x
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Concatenate()([x, skip])
    x = layers.UpSampling2D(2, interpolation="bilinear")(x)
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    out = layers.Conv2D(2, 1, activation="softmax", name="mask")(x)
    model = keras.Model(inp, out, name="segmenter")
    return model, lambda rng: [rng.uniform(0, 1, (1, 64, 64, 3)).astype(np.float32)]


SMALL = {"mobilenetv3small": mobilenetv3small, "transformer": transformer,
         "lstm": lstm, "segmenter": segmenter}
BIG = {"efficientnetb0": (efficientnetb0, ("f32", "int8"))}


# --------------------------------------------------------------------------- conversion

def convert(model, sample_fn, mode):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode in ("dyn", "f16", "int8"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "f16":
        conv.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        def representative():
            rng = np.random.default_rng(SEED)
            for _ in range(16):
                yield sample_fn(rng)
        conv.representative_dataset = representative
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):  # keras's export prints its whole signature
        return conv.convert()


def build(name, builder):
    keras.utils.set_random_seed(SEED)  # python, numpy and backend RNGs: same weights every run
    return builder()


def write(name, mode, blob):
    fname = f"{name}_{mode}.tflite"
    small = len(blob) < COMMIT_LIMIT
    dest = os.path.join(COMMITTED_DIR if small else CACHE_DIR, fname)
    other = os.path.join(CACHE_DIR if small else COMMITTED_DIR, fname)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if os.path.exists(other):
        os.remove(other)
    with open(dest, "wb") as f:
        f.write(blob)
    print(f"{os.path.relpath(dest, HERE)}  {len(blob)} bytes", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also make the big on-demand models (EfficientNetB0)")
    ap.add_argument("--only", action="append", help="architecture name (repeatable)")
    ap.add_argument("--mode", action="append", choices=MODES, help="mode (repeatable)")
    args = ap.parse_args()

    jobs = [(n, b, MODES) for n, b in SMALL.items()]
    if args.big or args.only:
        jobs += [(n, b, m) for n, (b, m) in BIG.items()]
    if args.only:
        unknown = set(args.only) - {n for n, _, _ in jobs}
        if unknown:
            sys.exit(f"unknown architecture(s): {', '.join(sorted(unknown))}")
        jobs = [j for j in jobs if j[0] in args.only]

    for name, builder, modes in jobs:
        for mode in modes:
            if args.mode and mode not in args.mode:
                continue
            model, sample_fn = build(name, builder)  # rebuilt per mode: identical weights
            write(name, mode, convert(model, sample_fn, mode))


if __name__ == "__main__":
    main()
