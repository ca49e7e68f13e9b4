"""What a submission's kernel sees while it is graded, and the limits it runs under.

``make autograde`` runs every submission's code. Without a sandbox that code runs as the
instructor, in the course folder: it can read the solutions and hidden tests in ``labs/``,
rewrite the gradebook or another student's submission, reach the network, and take the
machine down for the class. So each graded kernel runs under bubblewrap (``bwrap``, the
Debian package ``bubblewrap``) and sees only

- its scratch copy of the submission (``autograded/<student>/<lab>/``, writable),
- the Python environment, the course's ``course_lib``/``tflite`` packages and ``data/``,
  read-only, with the system's ``/usr`` and the few files of ``/etc`` programs need,
- a private ``/tmp`` (its ``HOME`` is there), its own process table and no network: its
  channels to nbgrader are Unix sockets in a folder bound into the sandbox
  (:mod:`course_lib.sandbox_execute`).

It does not see ``labs/``, ``release/``, ``submitted/``, ``gradebook.db``, other students'
``autograded/`` folders or the instructor's home. Inside, :mod:`course_lib.sandbox_kernel`
caps memory, processes and file size before the kernel starts; the grader caps the output a
notebook may print and the time a cell may take.

``SANDBOX=none`` grades without it, knowingly: every line ``make autograde`` prints about a
submission and ``integrity.csv`` then say so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The environment variable that picks the sandbox: ``bwrap`` (the default) or ``none``.
SANDBOX_VARIABLE = "SANDBOX"
SANDBOXES = ("bwrap", "none")
#: Where the grader tells the kernel its limits (read by :mod:`course_lib.sandbox_kernel`).
LIMITS_VARIABLE = "COURSE_SANDBOX_LIMITS"
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

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class SandboxUnavailable(Exception):
    """The sandbox cannot start here; the message says how to install it or opt out."""


def parse_size(text: str, name: str) -> int:
    """``"4G"``, ``"512M"``, ``"1.5GiB"`` or a plain number of bytes -> bytes; ``name`` (the
    variable) is in the error."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"{name}={text!r}: expected a size such as 4G, 512M or 1048576")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def format_size(size: int) -> str:
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]} {unit}iB"
    return f"{size} B"


@dataclass(frozen=True)
class Limits:
    """What one graded kernel may use. Each has a variable ``make autograde`` reads."""

    memory: int = 4 << 30  # COURSE_GRADE_MEMORY: private memory of the kernel (RLIMIT_DATA)
    processes: int = 512  # COURSE_GRADE_PROCESSES: processes and threads (TensorFlow's count)
    file_size: int = 1 << 30  # COURSE_GRADE_FILE_SIZE: the largest file it may write
    output: int = 8 << 20  # COURSE_GRADE_OUTPUT: cell output of the whole notebook, in bytes

    def encode(self) -> str:
        return f"{self.memory},{self.processes},{self.file_size},{self.output}"

    @classmethod
    def decode(cls, text: str) -> Limits:
        memory, processes, file_size, output = (int(part) for part in text.split(","))
        return cls(memory, processes, file_size, output)


LIMIT_VARIABLES = {"memory": "COURSE_GRADE_MEMORY", "processes": "COURSE_GRADE_PROCESSES",
                   "file_size": "COURSE_GRADE_FILE_SIZE", "output": "COURSE_GRADE_OUTPUT"}


def limits_from_environment(environ=os.environ) -> Limits:
    """The limits, from ``COURSE_GRADE_MEMORY`` (e.g. ``4G``), ``COURSE_GRADE_PROCESSES``,
    ``COURSE_GRADE_FILE_SIZE`` and ``COURSE_GRADE_OUTPUT`` where set."""
    values = {}
    for field, variable in LIMIT_VARIABLES.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        value = int(text) if field == "processes" and text.isdigit() else parse_size(text, variable)
        if value <= 0:
            raise ValueError(f"{variable}={text!r}: must be positive")
        values[field] = value
    return Limits(**values)


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


def make_pids_cgroup(name: str, processes: int) -> Path | None:
    """A pids cgroup for one kernel with ``pids.max = processes``, or None where none can be
    made (cgroups not writable). Needed when grading as root: the kernel ignores root's
    RLIMIT_NPROC, which caps the kernel of any other user."""
    for base in _pids_hierarchies():
        folder = base / name
        try:
            folder.mkdir()
            (folder / "pids.max").write_text(str(processes))
            return folder
        except OSError:
            remove_cgroup(folder)
    return None


def _pids_hierarchies() -> list[Path]:
    found = []
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists():
        own = next((line.split(":", 2)[2].strip() for line in _read("/proc/self/cgroup")
                    if line.split(":")[1:2] == ["pids"]), "/")
        found.append(v1 / own.lstrip("/"))
    for line in _read("/proc/self/mounts"):
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            own = next((line.split("::", 1)[1].strip() for line in _read("/proc/self/cgroup")
                        if line.startswith("0::")), "/")
            found.append(Path(fields[1]) / own.lstrip("/"))
    return found


def _read(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def pids_limit_hits(folder: Path | None) -> int:
    """How often the cgroup refused a new process or thread (``pids.events``: ``max N``)."""
    for line in _read(str(folder / "pids.events")) if folder else []:
        if line.startswith("max "):
            return int(line.split()[1])
    return 0


def remove_cgroup(folder: Path | None) -> None:
    if folder is not None:
        try:
            folder.rmdir()
        except OSError:
            pass


def pids_limit_enforced(processes: int) -> bool:
    """True where the process limit holds: any user but root (RLIMIT_NPROC in the sandbox's
    own user namespace), or root with a writable pids cgroup."""
    if os.geteuid() != 0:
        return True
    folder = make_pids_cgroup(f"course-grade-probe-{os.getpid()}", processes)
    remove_cgroup(folder)
    return folder is not None
