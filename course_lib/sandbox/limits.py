"""What one graded kernel may use, from the environment of ``make autograde``.

Memory, processes and file size are set inside the sandbox by :mod:`course_lib.sandbox.kernel`
(resource limits); the output cap and the cell timeout by the grader
(:mod:`course_lib.sandbox.execute`). Grading as root, the kernel ignores the process limit
(``RLIMIT_NPROC``), so each kernel gets a pids cgroup where one can be made.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

#: Where the grader tells the kernel its limits.
LIMITS_VARIABLE = "COURSE_SANDBOX_LIMITS"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

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
            remove_cgroup(folder, wait=0)
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


def remove_cgroup(folder: Path | None, wait: float = 5.0) -> None:
    """Remove a kernel's cgroup once its last process has exited (a killed kernel's processes
    may take a moment to leave it), waiting at most ``wait`` seconds."""
    if folder is None:
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)


def pids_limit_enforced(processes: int) -> bool:
    """True where the process limit holds: any user but root (RLIMIT_NPROC in the sandbox's
    own user namespace), or root with a writable pids cgroup."""
    if os.geteuid() != 0:
        return True
    folder = make_pids_cgroup(f"course-grade-probe-{os.getpid()}", processes)
    remove_cgroup(folder, wait=0)
    return folder is not None
