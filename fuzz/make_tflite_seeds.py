"""Seed models for `cargo fuzz run tflite`: a small network with every operation the interpreter
runs (PAD, CONV_2D, DEPTHWISE_CONV_2D, ADD, MAX_POOL_2D, RESIZE_BILINEAR, CONCATENATION,
DEPTH_TO_SPACE, RESHAPE, LOGISTIC), converted by TensorFlow Lite in float32 and with float16
weights (DEQUANTIZE): about 6 KB each, so that the fuzzer mutates whole models quickly.

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu
    mkdir -p corpus/tflite && cd corpus/tflite && /tmp/tf/bin/python ../../make_tflite_seeds.py
    cp ../../../models/mediapipe/*.tflite .   # the real models too (read up to -max_len)
    cd ../.. && cargo +nightly fuzz run tflite corpus/tflite -- -max_len=65536
"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"
import numpy as np, tensorflow as tf
inp = tf.keras.Input((16, 16, 3), batch_size=1)
x = tf.keras.layers.ZeroPadding2D(((1,1),(1,1)))(inp)
x = tf.keras.layers.Conv2D(8, 3, strides=2, padding="valid", activation=tf.nn.relu6)(x)
y = tf.keras.layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
x = tf.keras.layers.Add()([x, y])
x = tf.keras.layers.Conv2D(8, 1)(x)
p = tf.keras.layers.MaxPool2D(2, 2, padding="same")(x)
u = tf.keras.layers.UpSampling2D(2, interpolation="bilinear")(p)
x = tf.keras.layers.Concatenate(axis=-1)([x, u])
d = tf.keras.layers.Lambda(lambda t: tf.nn.depth_to_space(t, 2))(x)
r = tf.keras.layers.Reshape((-1,))(d)
s = tf.keras.layers.Reshape((-1,))(tf.keras.layers.Conv2D(1, 1)(x))
s = tf.keras.layers.Activation("sigmoid")(s)
model = tf.keras.Model(inp, [r, s])
for name, opt in [("small_f32", None), ("small_f16", "f16")]:
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if opt == "f16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    data = conv.convert()
    open(name + ".tflite", "wb").write(data)
    print(name, len(data))
