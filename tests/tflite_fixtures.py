"""Shared, cached artefacts for the TinyML tests (built once per test process).

pytest only loads ``conftest.py`` files, and a session fixture imported into several
modules would run once per module, so the expensive work is cached here with
``functools.cache`` and the fixtures in the test modules just call these functions.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@functools.cache
def work_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="tinyml-tests-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def quick_build(example: str) -> Path:
    """``build_example(example, quick=True)`` into a temporary folder; returns the example folder."""
    from tflite.build import build_example

    out = work_dir() / "build"
    build_example(example, out, quick=True, log=lambda msg: None)
    return out / example


@functools.cache
def tiny_models() -> dict[str, Path]:
    """Small untrained models, one per case the emitter must accept or refuse.

    ``int8`` (full-integer Dense net), ``float32``, ``dynamic_range`` (int8 weights, float
    activations: big enough for the converter to quantize), ``gelu_int8`` (full-integer
    but with GELU, an operator TFLite Micro lacks), ``int8_per_channel`` (Dense weights
    quantized per channel, which older TFLite Micro builds get wrong).
    """
    import keras

    from tflite.convert import convert, representative_dataset

    keras.utils.set_random_seed(0)
    folder = work_dir() / "tiny"
    folder.mkdir(exist_ok=True)
    x8 = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    small = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")])
    big = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                            keras.layers.Dense(2)])
    gelu = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="gelu"),
                             keras.layers.Dense(2)])
    reshaping = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Reshape((2, 2)), keras.layers.Flatten(),
                                  keras.layers.Dense(2)])
    models = {
        "int8": convert(small, "int8", representative_dataset(x8)),
        "float32": convert(small, "float32"),
        "dynamic_range": convert(big, "dynamic_range"),
        "gelu_int8": convert(gelu, "int8", representative_dataset(x8)),
        "int8_per_channel": convert(small, "int8", representative_dataset(x8), per_channel_dense=True),
        "dynamic_batch_int8": _convert_with_open_batch(reshaping, x8),
    }
    paths = {}
    for name, data in models.items():
        paths[name] = folder / f"{name}.tflite"
        paths[name].write_bytes(data)
    return paths


def _convert_with_open_batch(model, x) -> bytes:
    """Full-integer int8 the way a student might convert, without tflite.convert's fixed batch
    of 1: a Reshape then computes its shape at run time (int32 SHAPE/STRIDED_SLICE/PACK)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([row[None]] for row in x[:16])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf.int8
    return converter.convert()


def run_cli(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run ``python -m tflite ARGS`` in a subprocess; returns the completed process."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run(
        [PYTHON, "-m", "tflite", *map(str, args)],
        cwd=cwd or REPO, env=full_env, capture_output=True, text=True, timeout=600,
    )
