"""The three examples, built with quick settings: targets in TFLite Micro, report, C files, sketches.

Quick settings train for a fraction of `make tinyml`'s epochs, so the accuracy bounds are
proportionate (see ``Example.targets_quick``); sizes and arena bounds are the real ones.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.tflite_fixtures import quick_build
from tflite.convert import MICRO_MODES, MODES
from tflite.emit import read_c_array
from tflite.examples import get_example
from tflite.micro import MicroModel, arena_size_for
from tflite.model_info import inspect_model
from tflite.quantization import dequantize, quantize
from tflite.report import tinyml_table

pytestmark = pytest.mark.slow
EXAMPLES = ["sine", "digits", "gestures"]


def _report(name):
    return json.loads((quick_build(name) / "report.json").read_text())


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_folder_has_every_file(name):
    folder = quick_build(name)
    for f in ("model.tflite", "model_data.h", "model_data.cc", "op_resolver.h", "report.json"):
        assert (folder / f).is_file(), f
    sketch = folder / "arduino" / name
    assert (sketch / f"{name}.ino").is_file()
    for f in ("model_data.h", "model_data.cc", "op_resolver.h"):
        assert (sketch / f).read_text() == (folder / f).read_text()
    assert sorted(p.stem for p in (folder / "modes").glob("*.tflite")) == sorted(MODES)
    assert not [p for p in folder.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("name", EXAMPLES)
def test_targets_hold_in_tflite_micro(name):
    rep = _report(name)
    assert rep["targets"]["settings"] == "quick"
    failed = {k: v for k, v in rep["targets"]["checks"].items() if not v["ok"]}
    assert not failed, f"{name}: targets missed: {failed}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_arena_estimate_stays_above_the_measured_arena(name):
    """Where TFLite Micro is missing, kTensorArenaSize comes from estimate_arena: on every
    example it must be at least what TFLite Micro measures, and not wildly more."""
    from tflite.micro import estimate_arena

    folder = quick_build(name)
    measured = _report(name)["arena_bytes"]
    estimate = estimate_arena((folder / "model.tflite").read_bytes())
    assert measured <= estimate <= 3 * measured, (name, measured, estimate)


def test_sine_int8_size_and_mae_measured_here():
    """Re-measure the deployed sine model in TFLite Micro: <= 2,704 bytes, MAE over 1,000 x."""
    data = (quick_build("sine") / "model.tflite").read_bytes()
    assert len(data) <= 2704
    info = inspect_model(data)
    inp, out = info.inputs[0], info.outputs[0]
    assert inp.zero_point == -128 and abs(inp.scale - 2 * np.pi / 255) < 1e-6, inp  # full range
    x = np.linspace(0, 2 * np.pi, 1000, dtype=np.float32)
    y = dequantize(MicroModel(data).run(quantize(x.reshape(-1, 1), inp.scale, inp.zero_point)),
                   out.scale, out.zero_point).reshape(-1)
    mae = float(np.mean(np.abs(y - np.sin(x))))
    assert mae <= get_example("sine").targets(quick=True).max_mae
    assert mae == pytest.approx(_report("sine")["modes"]["int8"]["tflm_metric"], abs=1e-6)


def test_digits_int8_close_to_float_and_small():
    rep = _report("digits")
    rec = rep["modes"]["int8"]
    t = get_example("digits").targets(quick=True)
    assert rec["tflm_metric"] >= t.min_accuracy
    assert rep["float_metric"] - rec["tflm_metric"] <= t.max_gap
    assert rec["bytes"] <= 20_000 and rec["arena_bytes"] <= 16_000
    assert rep["eval_samples"] == 2000


def test_gestures_int8_accuracy_and_size():
    rep = _report("gestures")
    rec = rep["modes"]["int8"]
    t = get_example("gestures").targets(quick=True)
    assert rep["imu_source"] == "recordings" and rep["gestures"] == ["circ", "flex", "hori", "punch", "vert"]
    assert rec["bytes"] <= t.max_bytes and rec["arena_bytes"] <= t.max_arena
    # Cross-validated on the shipped recordings: 5 folds, every recording predicted once.
    cv = rep["cross_validation"]
    assert cv["k"] == 5 and len(cv["folds"]) == 5 and cv["total"] == 265
    assert sum(cv["recordings_per_fold"]) == 265 and rep["eval_samples"] == cv["recordings_per_fold"][0]
    assert cv["mean"] == pytest.approx(np.mean(cv["folds"])) and cv["mean"] >= t.min_cv_accuracy
    assert cv["folds"][0] == pytest.approx(rec["tflm_metric"])  # fold 1 is the main build's
    assert np.asarray(cv["confusion"]).sum(axis=1).tolist() == [48, 26, 98, 16, 77]
    assert rep["targets"]["checks"]["cv_accuracy"]["value"] == cv["mean"]
    assert "5-fold cross-validation" in tinyml_table(quick_build("gestures").parent)


def test_gestures_report_the_small_data_curve_and_leave_one_person_out():
    rep = _report("gestures")
    settings = get_example("gestures").settings(quick=True)
    curve = rep["small_data_curve"]
    assert [r["per_gesture"] for r in curve["rows"]] == list(settings.curve_sizes)
    row = curve["rows"][0]
    assert len(row["accuracy"]) == settings.curve_draws and 0.0 <= row["accuracy_mean"] <= 1.0
    lopo = rep["leave_one_person_out"]
    assert lopo["data"].endswith("people_gestures")
    assert [r["person"] for r in lopo["rows"]] == ["haoranli", "jiuenfeng", "tangerine", "yuhe_b"]
    assert sum(r["recordings"] for r in lopo["rows"]) == np.asarray(lopo["confusion"]).sum() == 1013
    assert lopo["accuracy_mean"] > 0.4  # four gestures: a guess scores 25 %
    table = tinyml_table(quick_build("gestures").parent)
    assert "small-data curve" in table and "leave-one-person-out" in table


@pytest.mark.parametrize("name", EXAMPLES)
def test_report_compares_every_mode(name):
    rep = _report(name)
    assert list(rep["modes"]) == list(MODES)
    for mode, rec in rep["modes"].items():
        for key in ("bytes", "gzip_bytes", "operators", "input", "output", "micro",
                    "keras_metric", "litert_metric"):
            assert key in rec, (mode, key)
        for io in ("input", "output"):
            assert {"dtype", "shape", "scale", "zero_point"} <= set(rec[io])
        if mode in MICRO_MODES:
            assert rec["micro"] == "deployable" and rec["full_integer"]
            assert rec["input"]["dtype"] == rec["output"]["dtype"] == "int8"
            assert rec["tflm_metric"] is not None and rec["arena_bytes"] > 0
            assert isinstance(rec["tflm_vs_litert"]["identical"], bool)
            assert rec["tflm_vs_litert"]["samples"] == rep["eval_samples"]
        else:
            assert rec["micro"].startswith(("runs, not deployed: ", "cannot run: ")), rec["micro"]
    # float16 weights: a TFLite Micro limit, not a choice.
    assert rep["modes"]["float16"]["micro"].startswith("cannot run: it is a float16-weight model")
    # float32: TFLite Micro runs it (measured here), the course deploys int8 by choice.
    f32 = rep["modes"]["float32"]
    assert f32["micro"].startswith("runs, not deployed: it is a float32 model"), f32["micro"]
    assert "by choice" in f32["micro"] and "4x" in f32["micro"]
    assert f32["tflm_metric"] is not None and f32["arena_bytes"] > 0
    pruned = rep["modes"]["pruned_int8"]
    assert pruned["weight_sparsity"] >= 0.5
    assert pruned["gzip_bytes"] < rep["modes"]["int8"]["gzip_bytes"]


def test_dynamic_range_digits_is_a_hybrid_model_tflite_micro_cannot_run():
    rec = _report("digits")["modes"]["dynamic_range"]
    assert rec["kind"] == "dynamic_range"
    assert rec["micro"].startswith("cannot run: ") and "hybrid" in rec["micro"]
    assert rec["tflm_metric"] is None and rec["litert_metric"] > 0.5


def test_measure_model_is_what_the_report_holds():
    """The public measure_model gives the very record build_example writes per mode."""
    from tflite.build import measure_model

    folder = quick_build("digits")
    rep = _report("digits")
    data = get_example("digits").load_data(get_example("digits").settings(True))
    for mode in ("int8", "dynamic_range"):
        rec = measure_model((folder / "modes" / f"{mode}.tflite").read_bytes(), data.x_eval,
                            data.y_eval, "accuracy", source=f"digits/{mode}")
        saved = rep["modes"][mode]
        for key in ("bytes", "micro", "tflm_metric", "litert_metric", "arena_bytes"):
            assert rec[key] == saved[key], (mode, key)


@pytest.mark.parametrize("name", EXAMPLES)
def test_c_array_parses_back_to_the_model_and_arena_matches(name):
    folder = quick_build(name)
    data = (folder / "model.tflite").read_bytes()
    assert read_c_array(folder / "model_data.cc", "g_model") == data
    rep = _report(name)
    h = (folder / "model_data.h").read_text()
    size = int(re.search(r"kTensorArenaSize = (\d+);", h).group(1))
    assert size == rep["kTensorArenaSize"] == arena_size_for(rep["arena_bytes"])
    resolver = (folder / "op_resolver.h").read_text()
    n = int(re.search(r"MicroMutableOpResolver<(\d+)>", resolver).group(1))
    assert n == len(set(inspect_model(data).operators))


@pytest.mark.parametrize("name", EXAMPLES)
def test_deployed_model_is_stripped_of_names(name):
    data = (quick_build(name) / "model.tflite").read_bytes()
    assert b"serving_default" not in data and b"CONVERSION_METADATA" not in data
    assert b"min_runtime_version" not in data


def test_gesture_header_holds_the_training_normalization():
    folder = quick_build("gestures")
    rep = _report("gestures")
    header = (folder / "arduino" / "gestures" / "gesture_params.h").read_text()

    def floats(name):
        body = re.search(rf"{name}\[kChannels\] = \{{([^}}]*)\}}", header).group(1)
        return [float(v.strip().rstrip("f")) for v in body.split(",")]

    offset, scale = floats("kChannelOffset"), floats("kChannelScale")
    assert np.array_equal(np.float32(offset), np.float32(rep["normalization"]["offset"]))
    assert np.array_equal(np.float32(scale), np.float32(rep["normalization"]["scale"]))
    names = re.search(r"kGestureNames\[kNumGestures\] = \{([^}]*)\}", header).group(1)
    assert [n.strip().strip('"') for n in names.split(",")] == rep["gestures"]
    assert "constexpr int kWindow = 119;" in header
    assert "kAccelThresholdG = 2.5f" in header
    capture = folder / "arduino" / "capture"
    assert (capture / "capture.ino").is_file()
    assert (capture / "gesture_params.h").read_text() == header


def test_gesture_normalization_is_what_training_used():
    """Normalizing raw windows with the report's constants reproduces the training inputs."""
    from course_lib import gestures as g
    from course_lib import imu_capture as imu
    from course_lib import imu_normalization as norm_lib

    rep = _report("gestures")
    settings = get_example("gestures").quick
    x, y, _ = imu.load_recordings()
    fold = imu.stratified_folds(y, settings.folds, seed=rep["seed"])
    raw = x[fold != 0]  # the main build trains on every fold but the first
    norm = norm_lib.Normalization(tuple(rep["normalization"]["offset"]), tuple(rep["normalization"]["scale"]))
    assert norm == norm_lib.fit_normalization(raw)
    gen, _ = g.generate_gestures(2, seed=0)
    assert norm != norm_lib.fit_normalization(gen)


@pytest.mark.parametrize("name", EXAMPLES)
def test_sketch_selects_board_revision_with_one_define(name):
    sketch = quick_build(name) / "arduino" / name
    ino = (sketch / f"{name}.ino").read_text()
    # The inference path lives in inference.cc, which the sketch and the board check share.
    inference = (sketch / "inference.cc").read_text()
    assert "{{" not in ino and "{{" not in inference and '#include "inference.h"' in ino
    assert "tflite::GetModel(g_model)" in inference and "TFLITE_SCHEMA_VERSION" in inference
    assert "RegisterOps(resolver)" in inference and "AllocateTensors()" in inference
    assert "arena_used_bytes()" in inference and "InferenceArenaUsedBytes()" in ino
    if name == "gestures":
        assert len(re.findall(r"^#define BOARD_REVISION \d$", ino, re.M)) == 1
        assert "Arduino_LSM9DS1.h" in ino and "Arduino_BMI270_BMM150.h" in ino
        assert "kChannelOffset[c]" in ino and "kAccelThresholdG" in ino


def test_tinyml_table_lists_every_example_and_mode():
    folder = quick_build("sine").parent
    for name in EXAMPLES:
        quick_build(name)
    table = tinyml_table(folder)
    assert table.startswith("| example | mode | bytes")
    for name in EXAMPLES:
        for mode in MODES:
            assert f"| {name} | {mode} |" in table
    assert "**deployed**" in table
    # The board column tells the course's choice (float32) from a TFLite Micro limit.
    assert "| float32 |" in table and "| runs, not deployed |" in table
    assert "| cannot run |" in table and "| deployable |" in table


def test_generated_headers_compile_for_the_board():
    from tests.test_tflite_arm import _compile

    for name in EXAMPLES:
        folder = quick_build(name) / "arduino" / name
        _compile(folder / "model_data.cc", folder)
    for extra in ("gesture_params.h", "test_images.h"):
        example = "gestures" if extra.startswith("gesture") else "digits"
        folder = quick_build(example) / "arduino" / example
        src = folder / f"check_{extra.replace('.', '_')}.cc"
        src.write_text(f'#include "{extra}"\nint Use() {{ return sizeof(kChannelScale) > 0; }}\n'
                       if extra.startswith("gesture") else
                       f'#include "{extra}"\nint Use() {{ return kTestLabels[0]; }}\n')
        try:
            _compile(src, folder)
        finally:
            src.unlink()
            for o in folder.glob("*.o"):
                o.unlink()
