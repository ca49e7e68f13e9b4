"""Where TFLite Micro's Python runtime is missing (its wheels are Linux x86-64 only), the rest runs.

The subprocess tests hide ``tflite_micro`` with a meta-path finder installed by a
``sitecustomize.py`` on ``PYTHONPATH``, so it reaches every Python the command starts (the
notebook kernel too): ``python -m tflite build --quick``, ``python -m tflite emit`` and lab 12's
quick run must then measure in LiteRT, say so in one line and in ``report.json``, and show the
arena as not measured. The in-process tests check the pieces the fallback uses against TFLite
Micro's own where it is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from tests.tflite_fixtures import REPO, tiny_models
from tflite.micro import (
    FALLBACK_NOTE,
    FALLBACK_RUNTIME,
    LiteRTModel,
    arena_size_for,
    estimate_arena,
    run_litert,
)
from tflite.quantization import quantize
from tflite.strip import misaligned_buffers, pack_aligned, strip_model

HIDE_TFLITE_MICRO = '''\
import sys


class _HideTFLiteMicro:
    """Behave as on a machine without the tflite-micro wheel (macOS, Windows, Linux aarch64)."""

    def find_spec(self, name, path=None, target=None):
        if name == "tflite_micro" or name.startswith("tflite_micro."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _HideTFLiteMicro())
'''


def _env_without_micro(tmp_path: Path) -> dict:
    hide = tmp_path / "hide_tflite_micro"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(HIDE_TFLITE_MICRO)
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["PYTHONPATH"] = os.pathsep.join([str(hide), str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _run(args, env, timeout=900):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{args}: exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc


def test_the_hook_hides_the_runtime_and_the_package_still_imports(tmp_path):
    code = ("import importlib.util, json, sys\n"
            "from tflite import emit, model_info, micro\n"
            "try:\n"
            "    import tflite_micro  # noqa: F401\n"
            "    hidden = False\n"
            "except ModuleNotFoundError:\n"
            "    hidden = True\n"
            "print(json.dumps([hidden, micro.micro_runtime_available(), micro.runtime_name(),\n"
            "                  model_info.schema.__name__,\n"
            "                  [m for m in ('tensorflow', 'keras') if m in sys.modules]]))\n")
    out = json.loads(_run(["-c", code], _env_without_micro(tmp_path)).stdout.splitlines()[-1])
    assert out == [True, False, FALLBACK_RUNTIME, "ai_edge_litert.schema_py_generated", []], out


@pytest.mark.slow
def test_build_quick_and_emit_without_tflite_micro(tmp_path):
    """`python -m tflite build --quick` (sine, the quickest example) and `emit` without TFLM."""
    env = _env_without_micro(tmp_path)
    out = tmp_path / "build"
    proc = _run(["-m", "tflite", "build", "--quick", "--example", "sine", "--out", str(out)], env)
    assert proc.stdout.count(FALLBACK_NOTE) == 1, proc.stdout
    assert "LiteRT mae" in proc.stdout and "arena not measured" in proc.stdout, proc.stdout

    folder = out / "sine"
    rep = json.loads((folder / "report.json").read_text())
    assert rep["runtime"] == FALLBACK_RUNTIME
    assert rep["arena_bytes"] is None and rep["arena_measured"] is False
    assert rep["arena_note"].startswith("not measured") and "Linux x86-64" in rep["arena_note"]
    model = (folder / "model.tflite").read_bytes()
    assert rep["kTensorArenaSize"] == arena_size_for(estimate_arena(model))
    assert rep["targets"]["met"] and rep["targets"]["not_measured"] == ["arena_bytes"], rep["targets"]
    assert "arena_bytes" not in rep["targets"]["checks"]
    for mode, rec in rep["modes"].items():
        assert rec["arena_bytes"] is None and rec["tflm_metric"] is None, (mode, rec)
        assert rec["tflm_vs_litert"] is None and rec["litert_metric"] is not None, (mode, rec)
    int8 = rep["modes"]["int8"]
    assert int8["litert_kernels"] == "reference" and int8["micro"] == "deployable"
    assert rep["targets"]["checks"]["mae"]["value"] == int8["litert_metric"]

    # The figure is LiteRT's reference kernels' on the deployed model, re-measured here.
    assert misaligned_buffers(model) == []
    heldout = np.load(folder / "heldout.npz")
    from tflite.build import measure_model

    again = measure_model(model, heldout["x"], heldout["y"], "mae")
    assert again["litert_metric"] == pytest.approx(int8["litert_metric"], abs=1e-9)

    header = (folder / "model_data.h").read_text()
    assert "Arena: NOT MEASURED" in header and f"kTensorArenaSize = {rep['kTensorArenaSize']};" in header
    assert "Python runtime used" not in header
    sketch = folder / "arduino" / "sine"
    for f in ("sine.ino", "inference.cc"):
        text = (sketch / f).read_text()
        assert "(measured)" not in text and "measured arena" not in text, f
    assert (sketch / "model_data.h").read_text() == header

    from tflite.report import tinyml_table

    table = tinyml_table(out)
    assert "| sine | int8 |" in table and "not measured" in table and FALLBACK_RUNTIME in table, table

    proc = _run(["-m", "tflite", "emit", str(folder / "model.tflite"), "--out",
                 str(tmp_path / "emitted")], env, timeout=300)
    assert FALLBACK_NOTE in proc.stdout and "arena not measured" in proc.stdout, proc.stdout
    assert (tmp_path / "emitted" / "model_data.h").read_text().count("Arena: NOT MEASURED") == 1


@pytest.mark.slow
def test_lab_12_quick_run_without_tflite_micro(tmp_path):
    """Lab 12 with small settings in a kernel that cannot import tflite_micro: runs, says LiteRT."""
    from tests.test_labs import check_quick_bounds

    env = _env_without_micro(tmp_path)
    export = tmp_path / "export"
    code = ("import json\n"
            "from course_lib.runner import run_lab\n"
            f"run = run_lab('12_tinyml', quick=True, out_dir={str(tmp_path / 'run')!r},\n"
            f"              parameters={{'OUT_DIR': {str(export)!r}}})\n"
            "print(json.dumps({'metrics': run.metrics, 'output': str(run.output)}))\n")
    result = json.loads(_run(["-c", code], env, timeout=1800).stdout.splitlines()[-1])
    check_quick_bounds("12_tinyml", result["metrics"])

    nb = nbformat.read(result["output"], as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert text.count(FALLBACK_NOTE) == 1, "the lab should say once that TFLite Micro is missing"
    assert "int8 in LiteRT" in text and "arena: not measured" in text
    assert "arena measured in TFLite Micro" not in text
    rep = json.loads((export / "tiny_cnn" / "report.json").read_text())
    assert rep["runtime"] == FALLBACK_RUNTIME and rep["arena_bytes"] is None
    assert rep["modes"]["int8"]["tflm_metric"] is None
    assert rep["modes"]["int8"]["litert_metric"] == pytest.approx(result["metrics"]["int8 test accuracy"])
    assert "Arena: NOT MEASURED" in (export / "tiny_cnn" / "model_data.h").read_text()


def test_python_aligner_matches_tflite_micros_on_the_outputs():
    """The fallback's 16-byte-aligned packer: every buffer aligned, LiteRT outputs unchanged."""
    from tflite import model_info

    for name in ("int8", "float32"):
        raw = tiny_models()[name].read_bytes()
        ours = pack_aligned(model_info.model_object(raw))
        assert misaligned_buffers(ours) == [], name
        x = np.random.default_rng(1).normal(size=(20, 8)).astype(np.float32)
        info = model_info.inspect_model(raw)
        if info.inputs[0].dtype == "int8":
            x = quantize(x, info.inputs[0].scale, info.inputs[0].zero_point)
        assert np.array_equal(run_litert(raw, x), run_litert(ours, x)), name
        try:
            import tflite_micro  # noqa: F401
        except ImportError:
            continue
        assert misaligned_buffers(strip_model(raw)) == [], name  # TFLite Micro's own aligner


def test_litert_model_stands_in_for_micro_model():
    raw = tiny_models()["int8"].read_bytes()
    m = LiteRTModel(raw, "tiny int8")
    x = np.random.default_rng(2).integers(-128, 128, size=(5, 8)).astype(np.int8)
    assert np.array_equal(m.run(x), run_litert(raw, x, reference=True))
    assert m.arena_used() is None
