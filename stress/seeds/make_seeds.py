"""Extra seed models for stress/fuzz-models.js, beyond test/fixtures: ops the fixtures lack (WHILE-based LSTM/GRU,
TOPK_V2, SPLIT with an unused output, TRANSPOSE_CONV, bias-less CONV_2D / FULLY_CONNECTED, IF, resource variables
with CALL_ONCE, UNPACK / SELECT_V2 / reductions with a dynamic batch). test/bad-input.test.js also checks that
lib/model-check.ts accepts every one of them.
Run with the repo's TF venv:  .venv/bin/python stress/seeds/make_seeds.py   (random weights; not deterministic)."""
import os
import tensorflow as tf

out = os.path.dirname(os.path.abspath(__file__))


def save(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)


def from_keras(model):
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


save('lstm.tflite', from_keras(tf.keras.Sequential([
    tf.keras.Input((5, 3), batch_size=1), tf.keras.layers.LSTM(4), tf.keras.layers.Dense(2)])))
save('bilstm_gru.tflite', from_keras(tf.keras.Sequential([
    tf.keras.Input((5, 3), batch_size=1),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4, return_sequences=True)), tf.keras.layers.GRU(3)])))
save('nobias.tflite', from_keras(tf.keras.Sequential([
    tf.keras.Input((8, 8, 2), batch_size=1), tf.keras.layers.Conv2D(3, 3, use_bias=False),
    tf.keras.layers.Conv2DTranspose(2, 3, use_bias=False), tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3, use_bias=False)])))


class SplitTopK(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([1, 6], tf.float32)])
    def f(self, x):
        a, _, c = tf.split(x, 3, axis=1)
        v, _ = tf.math.top_k(x, 2)
        return a * 2 + c + v[:, :1]


m = SplitTopK()
save('split_unused.tflite',
     tf.lite.TFLiteConverter.from_concrete_functions([m.f.get_concrete_function()], m).convert())


class Cond(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32), tf.TensorSpec([], tf.bool)])
    def f(self, x, p):
        return tf.cond(p, lambda: x * 2.0, lambda: x - 1.0)


class Var(tf.Module):
    def __init__(self):
        self.v = tf.Variable([1.0, 2.0])

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def f(self, x):
        self.v.assign_add(x)
        return self.v * 1.0


class Multi(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def f(self, x):
        a, b = tf.unstack(tf.reshape(x, [-1, 2, 2]), axis=1)
        return {'s': tf.reduce_sum(a, axis=1), 'm': tf.reduce_max(b, axis=1), 'q': tf.where(a > 0, a, b)}


for name, module, resources in (('cond', Cond(), False), ('var', Var(), True), ('multi', Multi(), False)):
    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.f.get_concrete_function()], module)
    converter.experimental_enable_resource_variables = resources
    save(f'{name}.tflite', converter.convert())
