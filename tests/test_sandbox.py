"""The grading sandbox's parts, without nbgrader: limits from the environment, the kernel's
environment and command line, the audit hook's reports, and which findings hold a grade for
review. The attacks themselves are graded in tests/test_grading_sandbox.py."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.integrity import (
    UNSANDBOXED,
    Finding,
    review_reason,
    review_reasons,
    sandbox_findings,
)
from course_lib.sandbox.bubblewrap import (
    EVENT_MARKER,
    bwrap_command,
    check_sandbox,
    course_paths,
    kernel_environment,
    python_paths,
    sandbox_mode,
)
from course_lib.sandbox.kernel import make_audit_hook
from course_lib.sandbox.limits import Limits, format_size, limits_from_environment, parse_size
from tests.conftest import REPO


def test_sizes_read_and_written():
    assert parse_size("4G", "X") == 4 << 30
    assert parse_size("512M", "X") == 512 << 20
    assert parse_size("1.5GiB", "X") == 3 << 29
    assert parse_size("1048576", "X") == 1 << 20
    assert format_size(4 << 30) == "4 GiB" and format_size(8 << 20) == "8 MiB"
    with pytest.raises(ValueError, match="COURSE_GRADE_MEMORY='lots'"):
        parse_size("lots", "COURSE_GRADE_MEMORY")


def test_limits_come_from_the_environment_with_defaults():
    assert limits_from_environment({}) == Limits()
    limits = limits_from_environment({"COURSE_GRADE_MEMORY": "2G", "COURSE_GRADE_PROCESSES": "64",
                                      "COURSE_GRADE_FILE_SIZE": "10M", "COURSE_GRADE_OUTPUT": "1M"})
    assert limits == Limits(2 << 30, 64, 10 << 20, 1 << 20)
    assert Limits.decode(limits.encode()) == limits
    with pytest.raises(ValueError, match="COURSE_GRADE_PROCESSES"):
        limits_from_environment({"COURSE_GRADE_PROCESSES": "0"})


def test_the_sandbox_is_chosen_by_name():
    assert sandbox_mode({}) == "bwrap"
    assert sandbox_mode({"SANDBOX": "none"}) == "none"
    with pytest.raises(ValueError, match="expected one of bwrap, none"):
        sandbox_mode({"SANDBOX": "podman"})


def test_the_kernel_keeps_the_labs_settings_and_not_the_instructors_secrets(tmp_path):
    env = kernel_environment({"COURSE_QUICK": "1", "MPLBACKEND": "agg", "AWS_SECRET_ACCESS_KEY": "k",
                              "GITHUB_TOKEN": "t", "HOME": "/home/teacher", "JPY_PARENT_PID": "1"},
                             tmp_path)
    assert env["COURSE_QUICK"] == "1" and env["MPLBACKEND"] == "agg"
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GITHUB_TOKEN" not in env
    assert env["HOME"] == "/tmp/home" and "JPY_PARENT_PID" not in env


def test_the_command_shows_only_what_it_is_given(tmp_path):
    command = bwrap_command("bwrap", ["python", "-V"], writable=[tmp_path / "work"],
                            read_only=[tmp_path / "env"], cwd=tmp_path / "work")
    assert command[:5] == ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    pairs = list(zip(command, command[1:], strict=False))
    assert ("--ro-bind", str(tmp_path / "env")) in pairs and ("--bind", str(tmp_path / "work")) in pairs
    assert ("--tmpfs", "/tmp") in pairs
    assert str(REPO) not in command and str(REPO / "labs") not in command
    assert command[-3:] == ["--", "python", "-V"]


def test_the_environment_and_course_code_are_visible_but_not_the_labs():
    visible = python_paths() + course_paths()
    assert REPO / "course_lib" in visible and REPO / "data" in visible
    assert REPO not in visible and REPO / "labs" not in visible


def test_in_the_sandbox_the_labs_and_the_network_are_out_of_sight(tmp_path):
    bwrap = check_sandbox()
    probe = ("import os, socket, sys\n"
             "print(os.path.exists(sys.argv[1]), os.path.exists(sys.argv[2]))\n"
             "s = socket.socket()\n"
             "try:\n    s.connect(('127.0.0.1', int(sys.argv[3])))\n    print('connected')\n"
             "except OSError:\n    print('refused')\n")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    command = bwrap_command(bwrap, [sys.executable, "-c", probe, str(REPO / "labs"),
                                    str(REPO / "data"), str(server.getsockname()[1])],
                            writable=[tmp_path], read_only=python_paths() + course_paths(), cwd=tmp_path)
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    server.close()
    assert result.stdout.split() == ["False", "True", "refused"], result.stderr


def _hook(tmp_path):
    read, write = os.pipe()
    guarded = (str(tmp_path / "course"),)
    visible = (str(tmp_path / "course" / "autograded" / "me"), str(tmp_path / "course" / "data"))
    hook = make_audit_hook(guarded, visible, (str(tmp_path / "course" / "data"),), write)

    def lines():
        os.close(write)
        with os.fdopen(read) as f:
            return [line.split("\t")[1:] for line in f.read().splitlines()
                    if line.startswith(EVENT_MARKER)]

    return hook, lines


def test_the_audit_hook_reports_each_blocked_attempt_once(tmp_path):
    hook, lines = _hook(tmp_path)
    course = tmp_path / "course"
    hook("open", (str(course / "labs" / "lab.ipynb"), "r", os.O_RDONLY))
    hook("open", (str(course / "labs" / "lab.ipynb"), "r", os.O_RDONLY))  # once is enough
    hook("open", (str(course / "gradebook.db"), None, os.O_RDWR | os.O_CREAT))
    hook("open", (str(course / "data" / "mnist.npz"), "w", os.O_WRONLY))
    hook("open", (str(course / "autograded" / "me" / "out.txt"), "w", os.O_WRONLY))  # its own copy
    hook("open", (str(course / "data" / "mnist.npz"), "r", os.O_RDONLY))  # reading data is fine
    hook("os.rename", (str(course / "autograded" / "me" / "a"), str(course / "submitted" / "x")))
    hook("shutil.copyfile", (str(course / "data" / "a"), str(course / "autograded" / "me" / "b")))
    hook("sqlite3.connect", (str(course / "gradebook.db"),))
    with socket.socket() as inet, socket.socket(socket.AF_UNIX) as unix:
        hook("socket.connect", (inet, ("10.0.0.1", 80)))
        hook("socket.connect", (unix, "/tmp/some.sock"))
    assert lines() == [
        ["blocked file access", f"opens {course}/labs/lab.ipynb"],
        ["blocked file access", f"writes {course}/gradebook.db"],
        ["blocked file access", f"writes into the read-only {course}/data/mnist.npz"],
        ["network connection", "to ('10.0.0.1', 80)"],
    ]


def test_the_audit_hook_never_raises(tmp_path):
    hook, lines = _hook(tmp_path)
    hook("open", (object(), "r", 0))
    hook("socket.connect", ())
    hook("os.remove", (b"\xff\xfe", None))
    assert lines() == []


def test_sandbox_findings_and_the_review_column():
    report = {"sandbox": "bwrap", "events": [
        {"cell": "cell 3", "kind": "memory limit", "detail": "MemoryError: "},
        {"cell": "", "kind": "blocked file access", "detail": "opens /course/labs/x.ipynb"}]}
    findings = sandbox_findings(report)
    assert Finding("cell 3", None, "memory limit: MemoryError: ") in findings
    assert sandbox_findings({"sandbox": "none", "events": []}) == [Finding("", None, UNSANDBOXED)]
    assert review_reason("changes the kernel's error handling with `set_custom_exc()`") == "error hook"
    assert review_reason("runs code built at run time with `exec()`, which this report cannot read") \
        == "code built at run time"
    assert review_reason("rebinds `np`, a name the graded test cells use") is None
    assert review_reason(UNSANDBOXED) is None
    rows = [("ann", "01", f) for f in findings] + [("bo", "01", Finding("c", 1, "rebinds `x`, ..."))]
    assert review_reasons(rows) == {("ann", "01"): "blocked file access; memory limit"}


def test_no_bwrap_says_how_to_install_it_or_opt_out(tmp_path):
    from course_lib.sandbox.bubblewrap import SandboxUnavailable

    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap.*SANDBOX=none"):
        check_sandbox(str(tmp_path / "bwrap-missing"))
    assert Path(check_sandbox()).name == "bwrap"
