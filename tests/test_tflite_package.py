"""The `tflite` package is this repository's, and tensorflow-model-optimization cannot switch Keras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.tflite_fixtures import REPO


def _python(code: str, env_extra=None) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_tflite_resolves_to_this_repository():
    import tflite

    assert Path(tflite.__file__).resolve().parent == REPO / "tflite", (
        f"`import tflite` found {tflite.__file__}, not the repository's tflite/ "
        "(is the unrelated PyPI package `tflite` installed?)"
    )


def test_importing_the_package_loads_neither_tensorflow_nor_tfmot():
    out = _python(
        "import json, sys, tflite, tflite.model_info, tflite.board_rules, tflite.strip, tflite.quantization,"
        " tflite.emit, tflite.micro;"
        "print(json.dumps([m for m in ('tensorflow', 'tensorflow_model_optimization', 'keras')"
        " if m in sys.modules]))"
    )
    assert out == [], f"importing tflite pulled in {out}"


def test_the_trap_is_real_naive_tfmot_import_switches_tf_keras_to_keras2():
    # Control: without the guard, importing tfmot before touching tf.keras makes it Keras 2.
    out = _python(
        "import json, tensorflow as tf, tensorflow_model_optimization;"
        "print(json.dumps(tf.keras.__name__))"
    )
    assert out.startswith("tf_keras"), f"expected the legacy Keras 2 trap, tf.keras is {out}"


def test_qat_and_pruning_keep_keras_3_for_the_lab():
    code = """
import json, os
import numpy as np
import course_lib
import tflite.build, tflite.convert as c
import keras
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation='relu'),
                      keras.layers.Dense(1)])
x = np.random.default_rng(0).normal(size=(64, 4)).astype('float32'); y = x[:, :1]
q = c.quantization_aware_training(m, x, y, loss='mse', epochs=1, batch_size=32)
p = c.prune(m, x, y, loss='mse', epochs=1, batch_size=32)
assert type(q).__module__.startswith('tf_keras') and type(p).__module__.startswith('tf_keras')
import tensorflow as tf
import tf_keras
print(json.dumps({'keras': keras.__version__, 'tf_keras': tf.keras.__name__,
                  'env': os.environ.get('TF_USE_LEGACY_KERAS'),
                  'same': tf.keras.layers.Dense is keras.layers.Dense}))
"""
    out = _python(code)
    assert out["keras"].startswith("3"), out
    assert out["tf_keras"].startswith("keras."), f"tf.keras became {out['tf_keras']} (Keras 2)"
    assert out["env"] is None, f"TF_USE_LEGACY_KERAS left set to {out['env']!r}"
    assert out["same"], "tf.keras.layers is not Keras 3's"


def test_guard_restores_a_users_own_legacy_setting():
    code = """
import json, os
import tflite.convert as c
with c.tfmot_guard():
    pass
print(json.dumps(os.environ.get('TF_USE_LEGACY_KERAS')))
"""
    assert _python(code, {"TF_USE_LEGACY_KERAS": "0"}) == "0"
