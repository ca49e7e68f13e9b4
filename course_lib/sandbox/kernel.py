"""A graded kernel's first lines, inside the sandbox: its limits, then a watch on what it reaches.

:mod:`course_lib.sandbox.execute` starts every graded kernel as ``python -m
course_lib.sandbox.kernel -f CONNECTION_FILE ...`` (in place of ``ipykernel_launcher``) inside
bubblewrap (:mod:`course_lib.sandbox`). Before a student's line runs, this module

- lowers the kernel's limits to the grader's (soft = hard, so no student code can raise them
  again: the sandbox drops the privilege to): ``RLIMIT_DATA`` (memory), ``RLIMIT_NPROC``
  (processes and threads; the kernel ignores it for root, where the grader adds a pids cgroup)
  and ``RLIMIT_FSIZE`` (the largest file);
- installs an audit hook (PEP 578; it cannot be removed) that writes one line to the kernel's
  log for each attempt to open a file in a guarded folder (the course folder, the repository,
  the grader's home) that the sandbox does not show, to write into a read-only folder, or to
  connect to the network. The hook only reports what the sandbox blocks; the grader puts the
  lines into ``integrity.csv``. Student code can add lines of its own to the log or close it,
  so an empty log is no proof of innocence; a line is a reason to look.
"""

from __future__ import annotations

import os
import resource
import runpy
import socket
import sys

from course_lib.sandbox.bubblewrap import (
    EVENT_MARKER,
    GUARDED_VARIABLE,
    READ_ONLY_VARIABLE,
    WRITABLE_VARIABLE,
)
from course_lib.sandbox.limits import LIMITS_VARIABLE, Limits

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
#: Audit events that change a path, and the argument that holds it.
CHANGING_EVENTS = {"os.remove": 0, "os.rmdir": 0, "os.rename": 0, "os.truncate": 0, "os.chmod": 0,
                   "os.chown": 0, "os.mkdir": 0, "os.utime": 0, "shutil.rmtree": 0,
                   "os.link": 1, "os.symlink": 1, "shutil.copyfile": 1, "shutil.move": 1}
MAX_EVENTS = 200


def set_limits(limits: Limits) -> None:
    """Soft and hard limits of this process and its children, never above what it already has."""
    for which, value in ((resource.RLIMIT_DATA, limits.memory),
                         (resource.RLIMIT_NPROC, limits.processes),
                         (resource.RLIMIT_FSIZE, limits.file_size)):
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def make_audit_hook(guarded: tuple[str, ...], visible: tuple[str, ...], read_only: tuple[str, ...],
                    log_fd: int):
    """The hook: reports (once each) a path under ``guarded`` but outside ``visible``, a write
    under ``read_only``, and a network connection, as ``EVENT_MARKER<TAB>kind<TAB>detail``."""
    seen: set[tuple[str, str]] = set()
    busy = [False]

    def report(kind: str, detail: str) -> None:
        if (kind, detail) in seen or len(seen) >= MAX_EVENTS:
            return
        seen.add((kind, detail))
        line = f"{EVENT_MARKER}\t{kind}\t{detail}".replace("\n", " ") + "\n"
        try:
            os.write(log_fd, line.encode(errors="replace"))
        except OSError:
            pass

    def check_path(raw, writing: bool) -> None:
        if raw is None or isinstance(raw, int):
            return
        path = os.path.abspath(os.fsdecode(raw))
        if _under(path, guarded) and not _under(path, visible):
            report("blocked file access", f"{'writes' if writing else 'opens'} {path}")
        elif writing and _under(path, read_only):
            report("blocked file access", f"writes into the read-only {path}")

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        busy[0] = True
        try:
            if event == "open" and args:
                mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
                flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
                check_path(args[0], bool(flags & WRITE_FLAGS) or any(c in mode for c in "wax+"))
            elif event in CHANGING_EVENTS and len(args) > CHANGING_EVENTS[event]:
                check_path(args[CHANGING_EVENTS[event]], True)
            elif event == "sqlite3.connect" and args:
                check_path(args[0], True)
            elif event in ("socket.connect", "socket.sendto", "socket.sendmsg") and len(args) > 1:
                if getattr(args[0], "family", None) != socket.AF_UNIX:
                    report("network connection", f"to {args[1]!r}")
        except Exception:  # an audit hook that raises would block the student's call: never
            pass
        finally:
            busy[0] = False

    return hook


def main() -> None:
    limits = Limits.decode(os.environ[LIMITS_VARIABLE])
    set_limits(limits)

    def folders(variable):
        return tuple(p for p in os.environ.get(variable, "").split(os.pathsep) if p)

    read_only = folders(READ_ONLY_VARIABLE)
    visible = read_only + folders(WRITABLE_VARIABLE)
    log_fd = os.dup(2)  # the kernel's log, outside the sandbox; cells write to their own streams
    sys.dont_write_bytecode = True  # no __pycache__ writes into the read-only packages
    sys.addaudithook(make_audit_hook(folders(GUARDED_VARIABLE), visible, read_only, log_fd))
    # jupyter_client names the grader as the kernel's parent; in the sandbox's PID namespace the
    # parent is bubblewrap's init (pid 1), which ipykernel would take for a dead parent and quit.
    # bubblewrap's --die-with-parent ends the kernel with the grader instead.
    os.environ.pop("JPY_PARENT_PID", None)
    sys.argv = ["ipykernel_launcher", *sys.argv[1:]]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
