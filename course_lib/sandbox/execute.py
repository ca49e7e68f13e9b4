"""nbgrader's execution step, sandboxed: the kernel manager and the preprocessor ``make
autograde`` configures (``nbgrader_config.py``).

- :class:`SandboxKernelManager` starts each graded kernel inside bubblewrap
  (:mod:`course_lib.sandbox`) as ``python -m course_lib.sandbox.kernel``. Its channels to
  nbgrader are ZeroMQ ``ipc`` sockets in a folder of its own that is bound into the sandbox,
  since the kernel has no network, not even the grader's loopback. Its stdout and stderr go to a
  log outside the sandbox (capped by the file-size limit), never into the grader's memory.
- :class:`SandboxedExecute` is nbgrader's ``Execute`` with three more rules: a notebook may
  print at most ``COURSE_GRADE_OUTPUT`` bytes (past it the output is dropped and the kernel
  stopped); a kernel that dies loses the cells it did not run (they get an error, so their
  tests score 0) and grading goes on to the next submission; and what the sandbox blocked or
  which limit a submission hit is written to a report per submission that ``make autograde``
  turns into ``integrity.csv`` rows (:func:`read_report`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

from course_lib.files import write_text_atomically
from course_lib.sandbox.bubblewrap import (
    EVENT_MARKER,
    GUARDED_VARIABLE,
    READ_ONLY_VARIABLE,
    WRITABLE_VARIABLE,
    bwrap_command,
    check_sandbox,
    course_paths,
    guarded_paths,
    kernel_environment,
    python_paths,
    sandbox_mode,
)
from course_lib.sandbox.limits import (
    LIMITS_VARIABLE,
    format_size,
    limits_from_environment,
    make_pids_cgroup,
    pids_limit_hits,
    remove_cgroup,
)

#: Where ``make autograde`` collects the reports: ``<folder>/<student>/<lab>.json``.
REPORTS_VARIABLE = "COURSE_SANDBOX_REPORTS"
#: The course folder being graded (guarded: the kernel must not reach into it).
ROOT_VARIABLE = "COURSE_SANDBOX_ROOT"
#: Error names that say which limit a cell hit.
LIMIT_ERRORS = {
    "MemoryError": "memory limit",
    "BlockingIOError": "process limit",
}


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the grading sandbox (see the module docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox_folder = Path(tempfile.mkdtemp(prefix="course-kernel-"))
        self.channels = self.sandbox_folder / "channels"
        self.channels.mkdir()
        self.transport = "ipc"
        self.ip = str(self.channels / "kernel")
        self.connection_file = str(self.channels / "connection.json")
        self.log_path = self.sandbox_folder / "kernel.log"
        self.limits = limits_from_environment()
        self.cgroup: Path | None = None

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        """This environment's Python and the sandbox's launcher, whatever the kernel spec says."""
        return [sys.executable, "-m", "course_lib.sandbox.kernel", "-f",
                os.path.realpath(self.connection_file), *(extra_arguments or [])]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        root = Path(os.environ.get(ROOT_VARIABLE) or os.getcwd())
        read_only = python_paths() + course_paths()
        env = kernel_environment(dict(kw.get("env") or os.environ), cwd)
        writable = [cwd, self.channels]
        env.update({LIMITS_VARIABLE: self.limits.encode(), "PYTHONDONTWRITEBYTECODE": "1",
                    GUARDED_VARIABLE: os.pathsep.join(map(str, guarded_paths(root))),
                    READ_ONLY_VARIABLE: os.pathsep.join(map(str, read_only)),
                    WRITABLE_VARIABLE: os.pathsep.join(map(str, writable))})
        command = bwrap_command(check_sandbox_path(), kernel_cmd, writable=writable,
                                read_only=read_only, cwd=cwd)
        # bubblewrap shares the kernel's process group, which nbclient signals to interrupt a cell:
        # it must ignore SIGINT or it dies and takes the kernel with it (ipykernel installs its
        # own SIGINT handler while a cell runs). As root, it first joins a pids cgroup, since the
        # kernel does not enforce root's RLIMIT_NPROC.
        script, where = 'trap "" INT; exec "$@"', "-"
        if os.geteuid() == 0:
            self.cgroup = make_pids_cgroup(f"course-grade-{uuid.uuid4().hex[:12]}", self.limits.processes)
            if self.cgroup is not None:
                script, where = 'echo $$ > "$0/cgroup.procs" && ' + script, str(self.cgroup)
        command = [shutil.which("sh") or "/bin/sh", "-c", script, where, *command]
        log = open(self.log_path, "ab")  # noqa: SIM115 (the kernel holds it; closed in finish)
        self._log = log
        kw.update(env=env, cwd=str(cwd), stdout=log, stderr=log)
        await super()._async_launch_kernel(command, **kw)

    def finish(self) -> list[dict]:
        """After the kernel has stopped: what the sandbox blocked and the limits it hit, as
        events; then remove the kernel's folder and cgroup."""
        events = []
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        for line in lines:
            parts = line.split("\t", 2)
            if len(parts) == 3 and parts[0] == EVENT_MARKER:
                events.append({"cell": "", "kind": parts[1], "detail": parts[2]})
        refused = pids_limit_hits(self.cgroup)
        if refused:
            events.append({"cell": "", "kind": "process limit",
                           "detail": f"{refused} new processes or threads refused past "
                                     f"{self.limits.processes}"})
        remove_cgroup(self.cgroup)
        shutil.rmtree(self.sandbox_folder, ignore_errors=True)
        return events


_BWRAP: list[str] = []


def check_sandbox_path() -> str:
    """``bwrap``'s path, checked once per grading process."""
    if not _BWRAP:
        _BWRAP.append(check_sandbox())
    return _BWRAP[0]


class SandboxedExecute(Execute):
    """nbgrader's Execute, in the sandbox ``SANDBOX`` names, with an output cap, a dead kernel
    survived and a report per submission (see the module docstring)."""

    def __init__(self, **kwargs):
        self.sandbox = sandbox_mode()
        kwargs.setdefault("kernel_manager_class",
                          SandboxKernelManager if self.sandbox == "bwrap" else AsyncKernelManager)
        super().__init__(**kwargs)

    def create_kernel_manager(self):
        self._manager = super().create_kernel_manager()
        return self._manager

    def preprocess(self, nb, resources=None, km=None):
        self.output_limit = limits_from_environment().output
        self._output_bytes, self._cut, self._dead_at, self._events = 0, set(), None, []
        self._manager = None
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if isinstance(self._manager, SandboxKernelManager):
                self._events += self._manager.finish()
            self._events += _limit_errors(nb, self._cut)
            _write_report(resources or {}, self.sandbox, self._events)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return super().preprocess_cell(cell, resources, index)
        if self._dead_at is not None:
            cell.outputs = [_error("KernelDied", f"the kernel died in cell {self._dead_at + 1}; "
                                                 "this cell was not run")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead_at = index
            self._events.append({"cell": f"cell {index + 1}", "kind": "kernel died",
                                 "detail": "the kernel died (a limit, a crash or a kill); the "
                                           "cells after it were not run"})
            cell.outputs.append(_error("KernelDied", "the kernel died while this cell ran"))
            return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += len(json.dumps(msg.get("content", {})))
        if self._output_bytes <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        if not self._cut:
            # Interrupting is not enough: a SIGINT that lands while ipykernel flushes a stream is
            # swallowed and the cell never replies. The kernel is stopped instead; the cells after
            # this one are not run (preprocess_cell), and grading goes on with the next notebook.
            self._cut.add(cell_index)
            limit = format_size(self.output_limit)
            self._events.append({"cell": f"cell {cell_index + 1}", "kind": "output limit",
                                 "detail": f"the notebook printed more than {limit}; the rest "
                                           "was dropped and the kernel stopped"})
            outs.append(new_output("stream", name="stdout", text=(
                f"[grading: the notebook's output passed {limit}; the rest was dropped and the "
                "kernel stopped]\n")))
            asyncio.ensure_future(ensure_async(self.km.signal_kernel(signal.SIGKILL)))
        return None


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _limit_errors(nb, cut: set[int]) -> list[dict]:
    """Events for the cells whose error names a limit: memory, processes, file size, time."""
    events = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            name, value = out.get("ename", ""), str(out.get("evalue", ""))
            kind = LIMIT_ERRORS.get(name)
            if kind is None and "File too large" in value:
                kind = "file size limit"
            if kind is None and name in ("CellTimeoutError", "KeyboardInterrupt") and index not in cut:
                kind = "cell timeout"
            if kind is not None:
                events.append({"cell": f"cell {index + 1}", "kind": kind,
                               "detail": f"{name}: {value}"[:200]})
    return events


def _write_report(resources: dict, sandbox: str, events: list[dict]) -> None:
    folder = os.environ.get(REPORTS_VARIABLE)
    meta = resources.get("nbgrader", {})
    student, lab = meta.get("student"), meta.get("assignment")
    if not (folder and student and lab):
        return
    path = Path(folder) / student / f"{lab}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps({"sandbox": sandbox, "events": events}, indent=1))


def read_report(folder: Path, student: str, lab: str) -> dict | None:
    """The report :class:`SandboxedExecute` wrote for one graded submission, or None."""
    path = Path(folder) / student / f"{lab}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def autograde_preprocessors() -> list:
    """nbgrader's autograde steps (0.9.6), with :class:`SandboxedExecute` for ``Execute``."""
    from nbgrader.converters import Autograde

    return [SandboxedExecute if step is Execute else step
            for step in Autograde.class_traits()["autograde_preprocessors"].default()]
