"""Keep TensorFlow's start-up chatter off the terminal, and everything else on it.

TensorFlow's C++ core logs through absl before absl is initialised, so
``TF_CPP_MIN_LOG_LEVEL`` cannot silence these lines: they go straight to file descriptor 2
of the process and of every Jupyter kernel it starts. A newcomer reads them as failures:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... port.cc:153] oneDNN custom operations are on. ...   (and every other INFO line)
    E0000 ... cuda_platform.cc:52] failed call to cuInit: ...
    E0000 ... NodeDef mentions attribute use_unbounded_threadpool which is not in the op ...
    W0000 ... Skipping runtime version metadata in the model. ...  (the TFLite converter's)
    INFO: Created TensorFlow Lite XNNPACK delegate for CPU.

and ipykernel's notice on every kernel it starts headless (the kernels listen on loopback):

    [IPKernelApp] WARNING | Kernel is running over TCP without encryption. ...

:func:`quiet_native_logs` routes descriptor 2 through a filter that drops exactly these
lines and passes every other line on at once, so real errors and warnings still show. The
runner, ``make autograde`` and ``python -m tflite`` call it; kernels they start inherit it.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from pathlib import Path

_ABSL = r"[IWE]\d{4} [\d:. ]+\d+ [\w.]+:\d+\] "
_NOISE = re.compile(
    "^(?:"
    + "|".join([
        r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
        # Every INFO line of TensorFlow's C++ core (I0000 ... file.cc:123] ...): never an error.
        r"I\d{4} [\d:. ]+\d+ [\w.]+:\d+\] .*",
        # Known start-up warnings and errors on a machine without a GPU.
        _ABSL + r"failed call to cuInit: .*",
        _ABSL + r"NodeDef mentions attribute use_unbounded_threadpool .*",
        # The TFLite converter's own chatter on every successful conversion.
        _ABSL + r"Ignored (output_format|drop_control_dependency)\.",
        _ABSL + r"Skipping runtime version metadata in the model\..*",
        r"fully_quantize: \d+, inference_type: \d+, input_inference_type: \w+, output_inference_type: \w+",
        r"INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.",
        r"To enable the following instructions: .* in other operations, rebuild TensorFlow with the "
        r"appropriate compiler flags\.",
        # ipykernel 7 on every headless kernel start; the runner's kernels listen on loopback only.
        r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*",
    ])
    + ")$"
)
_installed = False

#: Arguments for the Jupyter kernels the runner and nbgrader start: native (file descriptor)
#: output goes to the kernel's own stderr, which the filter below cleans, instead of into
#: the running cell. In a cell it would show as a red stderr box, and nbgrader scores a graded
#: cell with any stderr output 0, so a line TensorFlow prints on its first ``fit``/``predict``
#: would cost a student points. Python's own warnings and errors still go to the cell.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


def quiet_kernel_config(prefix: Path | str = sys.prefix) -> Path:
    """Make every kernel of this environment start with native output capture off, as the
    runner's and the grader's do (:data:`KERNEL_ARGUMENTS`), and return the config file.
    ``make lab`` calls it before JupyterLab starts: TensorFlow's C++ lines then go to the
    terminal JupyterLab runs in instead of into the student's cells. IPython reads
    ``<prefix>/etc/ipython/ipython_kernel_config.py`` for the kernels of the environment at
    ``prefix`` (beside the user's own profile, which it leaves alone); a kernel started with the
    argument as well gets the same value."""
    from course_lib.files import write_text_atomically

    path = Path(prefix) / "etc" / "ipython" / "ipython_kernel_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = "".join(f"c.{argument[2:].replace('=', ' = ', 1)}\n" for argument in KERNEL_ARGUMENTS)
    header = ("# Written by `make lab` (course_lib.native_logs): native output\n"
              "# (TensorFlow's C++ log lines) goes to the terminal, not into the cells.\n")
    write_text_atomically(path, header + settings)
    return path


def is_startup_noise(line: str) -> bool:
    """True for one of TensorFlow's known start-up lines (see the module docstring)."""
    return bool(_NOISE.match(line.rstrip("\r\n")))


def drop_startup_noise(text: str) -> str:
    """``text`` without TensorFlow's start-up lines (for output captured from a child)."""
    return "".join(line for line in text.splitlines(keepends=True) if not is_startup_noise(line))


def quiet_native_logs() -> None:
    """Filter this process's file descriptor 2, and so its children's, through
    :func:`is_startup_noise`. Safe to call more than once; a no-op where descriptor 2 cannot
    be replaced."""
    global _installed
    if _installed:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # INFO off once absl is up; W and E stay
    try:
        original = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
    except OSError:
        return
    _installed = True

    def pump():
        with os.fdopen(read_end, "rb") as pipe, os.fdopen(original, "wb", buffering=0) as out:
            for raw in pipe:
                if not is_startup_noise(raw.decode("utf-8", "replace")):
                    out.write(raw)

    thread = threading.Thread(target=pump, name="quiet-native-logs", daemon=True)
    thread.start()

    def restore():
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        saved = os.dup(original)
        os.dup2(saved, 2)  # closes the pipe's last write end held by this process
        os.close(saved)
        thread.join(timeout=2)

    atexit.register(restore)


if __name__ == "__main__":
    print(f"kernel config: {quiet_kernel_config()} (native output stays out of the cells)")
