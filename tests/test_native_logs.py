"""TensorFlow's start-up chatter is dropped; every other line, real errors included, shows."""

import subprocess
import sys

import pytest

from course_lib.native_logs import drop_startup_noise, is_startup_noise

NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795659845.635861    5355 port.cc:153] oneDNN custom operations are on. You may see "
    "slightly different numerical results due to floating-point round-off errors.",
    "I0000 00:00:1795659845.636195    5355 cudart_stub.cc:31] Could not find cuda drivers on your "
    "machine, GPU will not be used.",
    "I0000 00:00:1795659845.695164    5355 cpu_feature_guard.cc:227] This TensorFlow binary is optimized "
    "to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow "
    "with the appropriate compiler flags.",
    "E0000 00:00:1795659850.146563    5355 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA "
    "error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "W0000 00:00:1795659850.1    5355 op_def_util.cc:369] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition",
    "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...",
]
REAL = [
    "E0000 00:00:1795659850.146563    5355 conv_ops.cc:52] Conv2D: input depth must be evenly divisible",
    "W0000 00:00:1795659850.1    5355 data_adapter.cc:1] Your input ran out of data",
    "Traceback (most recent call last):",
    "UserWarning: `shuffle=True` was passed, but will be ignored",
    "error: build/x.tflite: not a TFLite flatbuffer",
]


@pytest.mark.parametrize("line", NOISE)
def test_known_start_up_lines_are_noise(line):
    assert is_startup_noise(line + "\n")


@pytest.mark.parametrize("line", REAL)
def test_real_errors_and_warnings_are_not(line):
    assert not is_startup_noise(line)


def test_captured_output_keeps_only_the_real_lines():
    assert drop_startup_noise("\n".join(NOISE + REAL) + "\n") == "\n".join(REAL) + "\n"


def test_a_process_and_its_children_lose_the_noise_and_keep_the_rest():
    lines = "\n".join(NOISE + REAL) + "\n"
    child = f"import os; os.write(2, {lines.encode()!r})"
    code = (
        "import os, subprocess, sys\n"
        "from course_lib.native_logs import quiet_native_logs\n"
        "quiet_native_logs()\n"
        f"os.write(2, {lines.encode()!r})\n"
        f"subprocess.run([sys.executable, '-c', {child!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stderr == ("\n".join(REAL) + "\n") * 2
