"""The board's kernels, run without a board (``make board-check``, :mod:`tflite.board_check`).

Each example's sketch folder holds ``inference.cc``, the inference path the sketch calls;
the check compiles that file with the Arduino library's CMSIS-NN kernels for the Cortex-M4,
runs it under QEMU (mps2-an386) on held-out inputs and compares every int8 output with the
Python TFLite Micro runtime.

Needs ``arm-none-eabi-g++`` with newlib and ``qemu-system-arm`` (skipped without them on a
workstation, a failure in CI, where ``.ci/run`` installs them) and the Arduino library
where the README's install puts it (the sketchbook's ``libraries/`` folder, or a folder in
``$ARDUINO_LIBRARIES``): without it the test is skipped, naming the folders searched, never
failed. The library is compiled once into ``build/board/`` (about 2.5 min on an idle 2-core
machine; CI starts clean and pays it once) and reused by later runs and ``make board-check``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.tflite_fixtures import quick_build
from tflite import board_check
from tflite.sketches import TFLM_LIBRARY, TFLM_LIBRARY_VERSION

EXAMPLES = ["sine", "digits", "gestures"]
#: Held-out inputs per example the test runs (evenly spread); `make board-check` runs all.
TEST_INPUTS = 500


def _fake_library(folder, version=TFLM_LIBRARY_VERSION):
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "Chirale_TensorFlowLite.h").write_text("// stub\n")
    (folder / "library.properties").write_text(f"name={TFLM_LIBRARY}\nversion={version}\n")
    return folder


@pytest.fixture
def no_sketchbook(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ARDUINO_DIRECTORIES_USER", raising=False)
    monkeypatch.setenv(board_check.LIBRARIES_ENV, str(tmp_path / "libs"))
    return tmp_path


def test_missing_library_names_every_folder_searched(no_sketchbook):
    with pytest.raises(board_check.LibraryNotFound) as err:
        board_check.find_library()
    msg = str(err.value)
    for folder in (no_sketchbook / "libs", no_sketchbook / "home" / "Arduino" / "libraries",
                   no_sketchbook / "home" / "Documents" / "Arduino" / "libraries"):
        assert str(folder) in msg
    assert f"{TFLM_LIBRARY} {TFLM_LIBRARY_VERSION}" in msg and "ARDUINO_LIBRARIES" in msg


def test_library_found_by_its_properties_at_the_pinned_version_only(no_sketchbook):
    libs = no_sketchbook / "home" / "Arduino" / "libraries"
    old = _fake_library(libs / "Chirale_TensorFLowLite", version="1.1.0")
    with pytest.raises(board_check.LibraryNotFound, match=r"found only .*version 1\.1\.0"):
        board_check.find_library()
    # A git clone under another folder name, at the pinned version, is found.
    new = _fake_library(no_sketchbook / "libs" / "Chirale_TensorFlowLite")
    assert board_check.find_library() == new
    assert old.is_dir()


def test_a_differing_output_names_the_example_the_input_and_the_steps():
    result = {
        "example": "digits", "mismatches": [{"input": 17, "max_diff_int8_steps": 2,
                                             "board": [1, 2], "python": [1, 4]}],
        "quantize_differing": [], "dequantize_identical": True, "arena_used_board": 100,
        "kTensorArenaSize": 200, "flash": 1, "ram": 1,
    }
    (msg,) = board_check.failures(result)
    assert "digits" in msg and "input 17" in msg and "2 int8 steps" in msg


def test_harness_output_parses():
    text = ("arena 820 2160\ncalib 100000 5000 10000\no 0 12 7f80\no 1 13 0001\n"
            "q 00 ff\nd " + " ".join(["3f800000"] * 16) + "\ndone\n")
    rec = board_check.parse_output(text, 2)
    assert rec["arena_used"] == 820 and rec["arena_size"] == 2160
    assert rec["outputs"].tolist() == [[127, -128], [0, 1]]
    assert rec["quantized"].tolist() == [0, -1]
    assert rec["dequantized"][0] == np.float32(1.0)
    assert board_check.instructions_per_tick(rec["calib"]) == 40.0


def _require_board_tools():
    missing = board_check.missing_tools()
    if missing:
        message = (f"{', '.join(missing)} not installed (apt-get install gcc-arm-none-eabi "
                   "libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm)")
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs them")
        pytest.skip(message)
    try:
        return board_check.find_library()
    except board_check.LibraryNotFound as err:
        pytest.skip(str(err))


@pytest.mark.slow
def test_board_kernels_give_the_python_runtimes_int8_outputs(tmp_path):
    """Every example: identical int8 outputs, quantize and dequantize on the emulated board;
    the arena it uses fits kTensorArenaSize; flash and RAM fit the board."""
    _require_board_tools()
    build_dir = quick_build("sine").parent
    for name in EXAMPLES:
        quick_build(name)
    results = board_check.run_board_check(build_dir, EXAMPLES, limit=TEST_INPUTS,
                                          images_dir=tmp_path, log=lambda msg: None)
    problems = [m for r in results for m in board_check.failures(r)]
    assert not problems, "\n".join(problems)
    for r in results:
        assert r["agree"] and r["outputs_identical"] == r["inputs_checked"] > 0, r
        assert 0 < r["arena_used_board"] <= r["kTensorArenaSize"], r
        assert r["flash"] <= board_check.BOARD_FLASH_BYTES and r["ram"] <= board_check.BOARD_RAM_BYTES
        assert r["ram"] >= r["kTensorArenaSize"], "the arena is static RAM"
        assert r["instructions_per_inference"] > 0
    table = board_check.board_table(results)
    for name in EXAMPLES:
        assert f"| {name} |" in table
