"""The bubblewrap command line of a graded kernel: what it sees, and the check that it can start.

See :mod:`course_lib.sandbox` for what the sandbox shows and hides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: The environment variable that picks the sandbox: ``bwrap`` (the default) or ``none``.
SANDBOX_VARIABLE = "SANDBOX"
SANDBOXES = ("bwrap", "none")
#: Folders the kernel must not reach; the kernel reports attempts (``os.pathsep``-separated).
GUARDED_VARIABLE = "COURSE_SANDBOX_GUARDED"
#: Folders the kernel may read but not write, and those it may write.
READ_ONLY_VARIABLE = "COURSE_SANDBOX_READ_ONLY"
WRITABLE_VARIABLE = "COURSE_SANDBOX_WRITABLE"
#: A line the kernel writes to its log for each blocked attempt: marker, kind, detail.
EVENT_MARKER = "course-sandbox-event"
HOME_INSIDE = "/tmp/home"

# The files of /etc that Python, TensorFlow and matplotlib read; not the rest (/etc/shadow ...).
ETC_FILES = ("passwd", "group", "nsswitch.conf", "hosts", "host.conf", "localtime", "timezone",
             "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates", "alternatives",
             "fonts", "mime.types", "os-release", "debian_version")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Variables the kernel keeps from the grader's environment (by prefix); the rest may hold the
# instructor's secrets (tokens, keys) and are dropped.
KEPT_VARIABLES = ("LANG", "LC_", "TZ", "COURSE_", "MPLBACKEND", "PYTHONHASHSEED", "TF_", "KERAS_",
                  "OMP_", "OPENBLAS_", "MKL_", "CUDA_VISIBLE_DEVICES", "PYDEVD_")

class SandboxUnavailable(Exception):
    """The sandbox cannot start here; the message says how to install it or opt out."""

def sandbox_mode(environ=os.environ) -> str:
    """``bwrap`` unless ``SANDBOX`` says ``none``; anything else is an error."""
    mode = environ.get(SANDBOX_VARIABLE, "").strip().lower() or "bwrap"
    if mode not in SANDBOXES:
        raise ValueError(f"{SANDBOX_VARIABLE}={mode!r}: expected one of {', '.join(SANDBOXES)}")
    return mode


INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf "
    "install bubblewrap; Arch: sudo pacman -S bubblewrap), or grade without a sandbox, "
    "knowing that every submission then runs as you with access to the solutions, the "
    "gradebook and the other submissions: SANDBOX=none make autograde"
)


def check_sandbox(bwrap: str | None = None) -> str:
    """The path of a working ``bwrap``; :class:`SandboxUnavailable` with the way out otherwise."""
    bwrap = bwrap or shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable(f"the grading sandbox needs bwrap, which is not installed. {INSTALL_HINT}")
    probe = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
             *_system_binds(), "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SandboxUnavailable(f"{bwrap} did not run ({err}). {INSTALL_HINT}") from None
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"{bwrap} cannot start a sandbox here: {result.stderr.strip() or result.returncode}. "
            "It needs unprivileged user namespaces (Debian/Ubuntu: sudo sysctl -w "
            "kernel.unprivileged_userns_clone=1; Ubuntu 24.04 and newer: sudo sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0, or run make autograde as root). "
            f"{INSTALL_HINT}")
    return bwrap


def _system_binds() -> list[str]:
    args = []
    for folder in SYSTEM_DIRS:
        if os.path.lexists(folder):
            # /bin -> usr/bin on merged-/usr systems: keep the link, not a second copy.
            args += (["--symlink", os.readlink(folder), folder] if os.path.islink(folder)
                     else ["--ro-bind", folder, folder])
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def course_paths() -> list[Path]:
    """The course's code and data a kernel reads: ``course_lib``, ``tflite`` and ``data/``."""
    import course_lib
    import course_lib.data

    packages = [Path(course_lib.__file__).resolve().parent, course_lib.data.default_data_dir().resolve()]
    tflite = packages[0].parent / "tflite"
    if (tflite / "__init__.py").is_file():
        packages.append(tflite)
    return packages


def python_paths() -> list[Path]:
    """The Python environment: the interpreter's installation and the virtualenv, if any."""
    return sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})


def guarded_paths(root: Path) -> list[Path]:
    """Folders whose contents a kernel has no business reaching: the course folder, the
    repository and the home of whoever grades."""
    return sorted({Path(root).resolve(), Path(__file__).resolve().parent.parent,
                   Path.home().resolve()})


def kernel_environment(environ: dict, writable: Path) -> dict:
    """The kernel's environment: the grader's variables that configure the lab (``COURSE_*``,
    ``MPLBACKEND``, threads, locale), a ``HOME`` in the private ``/tmp``, and ``PATH``."""
    env = {k: v for k, v in environ.items() if k.startswith(KEPT_VARIABLES)}
    env.update(HOME=HOME_INSIDE, TMPDIR="/tmp", PWD=str(writable),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]))
    return env


def bwrap_command(bwrap: str, command: list[str], *, writable: list[Path], read_only: list[Path],
                  cwd: Path) -> list[str]:
    """``command`` wrapped in bubblewrap: only ``read_only`` and ``writable`` (bound at their own
    paths) and the system are visible; new user, PID, IPC, UTS, cgroup and network namespaces; a
    private ``/tmp``; no capabilities; it dies with the grader."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--dir", HOME_INSIDE]
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    return [*args, "--chdir", str(cwd), "--", *command]
