"""Keep TensorFlow's start-up chatter off the terminal, and everything else on it.

TensorFlow's C++ core logs through absl before absl is initialised, so
``TF_CPP_MIN_LOG_LEVEL`` cannot silence these lines: they go straight to file descriptor 2
of the process and of every Jupyter kernel it starts. A newcomer reads them as failures:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... port.cc:153] oneDNN custom operations are on. ...
    I0000 ... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    I0000 ... cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...
    E0000 ... cuda_platform.cc:52] failed call to cuInit: ...
    W0000 ... NodeDef mentions attribute use_unbounded_threadpool which is not in the op ...

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

_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ (port\.cc|cudart_stub\.cc|cpu_feature_guard\.cc|cuda_platform\.cc"
    r"|cuda_executor\.cc|cuda_diagnostics\.cc|gpu_device\.cc)[^\]]*\] .*"
    r"|[IWE]\d{4} [\d:. ]+\d+ [\w.]+:\d+\] .*NodeDef mentions attribute use_unbounded_threadpool.*"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow with the "
    r"appropriate compiler flags\."
    # ipykernel 7 on every headless kernel start; the runner's kernels listen on loopback only.
    r"|\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*)$"
)
_installed = False

#: Arguments for the Jupyter kernels the runner and nbgrader start: native (file descriptor)
#: output goes to the kernel's own stderr, which the filter below cleans, instead of into
#: the running cell. In a cell it would show as a red stderr box, and nbgrader scores a graded
#: cell with any stderr output 0, so a line TensorFlow prints on its first ``fit``/``predict``
#: would cost a student points. Python's own warnings and errors still go to the cell.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


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
