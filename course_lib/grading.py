"""The instructor's loop with nbgrader: release student versions, autograde, export, feedback.

``make release``, ``make autograde`` (``JOBS=N`` parallel processes, ``SHARD=k/m`` for one
machine's share), ``make autograde-merge`` and ``make feedback`` call ``main``; the tests call the
functions on a temporary course folder. Submissions are only read: nbgrader copies them to
``autograded/`` and grades the copies. Next to ``grades.csv``, ``autograde`` writes
``integrity.csv`` (:mod:`course_lib.integrity`): the submissions whose answer cells rebind what
the test cells use or patch a module, cell and line.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from course_lib.cluster import shard_from_environment
from course_lib.gradebook_merge import GRADEBOOK, copy_submission, graded_in, merge_courses
from course_lib.integrity import (
    UNSANDBOXED,
    read_integrity_report,
    review_reasons,
    sandbox_findings,
    write_integrity_report,
)
from course_lib.integrity import check_submission as integrity_findings
from course_lib.native_logs import drop_startup_noise, quiet_native_logs
from course_lib.runner import INLINE_BACKEND, lab_names
from course_lib.sandbox.bubblewrap import SandboxUnavailable, check_sandbox, sandbox_mode
from course_lib.sandbox.execute import REPORTS_VARIABLE, ROOT_VARIABLE, read_report
from course_lib.sandbox.limits import format_size, limits_from_environment, pids_limit_enforced

REPO = Path(__file__).resolve().parent.parent


class GradingError(Exception):
    """nbgrader failed; the message says which step and why."""


def _nbgrader(root: Path, *args: str, **env: str) -> None:
    """Run the nbgrader CLI of this environment in ``root`` (it calls ``alembic`` from PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, **env, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    command = [os.path.join(bin_dir, "nbgrader"), *args]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        output = drop_startup_noise(result.stdout + result.stderr)
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise GradingError(f"`nbgrader {' '.join(args)}` failed in {root}:\n{tail}")


def release(root: Path = REPO, labs: list[str] | None = None) -> list[Path]:
    """Write the student version of each lab to ``release/<lab>/`` (solutions and hidden
    tests removed) and record its graded cells in the gradebook."""
    root = Path(root)
    written = []
    for lab in labs or lab_names(root / "labs"):
        _nbgrader(root, "generate_assignment", lab, "--force")
        written.append(root / "release" / lab / f"{lab}.ipynb")
    return written


def source_kernel(root: Path, lab: str) -> str:
    nb = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
    return nb.metadata.get("kernelspec", {}).get("name", "")


def check_submission(root: Path, student: str, lab: str) -> str | None:
    """Why ``submitted/<student>/<lab>/`` cannot be graded, or None if it can."""
    folder = root / "submitted" / student / lab
    notebook = folder / f"{lab}.ipynb"
    if lab not in lab_names(root / "labs"):
        return f"{folder}: there is no lab called {lab!r} in labs/"
    if not notebook.is_file():
        found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        return f"{folder}: no {lab}.ipynb in the submission folder (found: {found or 'nothing'})"
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as err:  # nbformat raises several kinds for a broken file
        return f"{notebook}: not a readable notebook ({type(err).__name__}: {err})"
    kernel = nb.metadata.get("kernelspec", {}).get("name", "")
    expected = source_kernel(root, lab)
    if kernel != expected:
        return (
            f"{notebook}: kernel {kernel!r}, but lab {lab} runs on {expected!r}; "
            f"ask the student to switch the kernel to {expected!r} and resubmit"
        )
    return None


def submissions(root: Path) -> list[tuple[str, str]]:
    """Every (student, lab) folder under ``submitted/``."""
    base = Path(root) / "submitted"
    return sorted(
        (student.name, lab.name)
        for student in base.glob("*") if student.is_dir()
        for lab in student.glob("*") if lab.is_dir()
    )


def shard_of(items: list, shard: tuple[int, int] | None) -> list:
    """Slice ``k`` of ``m`` (1-based) of a sorted list, round robin, so the slices of a course's
    submissions are the same on every machine that holds the same ``submitted/``."""
    if shard is None:
        return list(items)
    k, m = shard
    return list(items)[k - 1::m]


def parse_shard(text: str) -> tuple[int, int]:
    """``"k/m"`` -> (k, m), with 1 <= k <= m; a clear ValueError otherwise."""
    try:
        k, m = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r}: expected K/M, for example 2/8 (slice 2 of 8)") from None
    if not 1 <= k <= m:
        raise ValueError(f"--shard {text!r}: K must be between 1 and M")
    return k, m


def _grade_labs(root: Path, graded: list[tuple[str, str]], quick: bool, sandbox_env: dict) -> None:
    """``nbgrader autograde`` each lab in ``root`` for exactly the (student, lab) pairs given;
    ``sandbox_env`` tells the sandboxed kernels where to report (:mod:`course_lib.sandbox.execute`)."""
    everyone = {student for student, _ in submissions(root)}
    for lab in sorted({lab for _, lab in graded}):
        students = {s for s, g in graded if g == lab}
        args = ["autograde", lab, "--force", "--create"]
        if everyone - students:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(sorted(everyone - students))}")
        _nbgrader(root, *args, COURSE_QUICK="1" if quick else "0", MPLBACKEND=INLINE_BACKEND,
                  **sandbox_env)


def _job_folder(root: Path, folder: Path, part: list[tuple[str, str]]) -> Path:
    """A scratch course folder that grades ``part``: the course's labs, release and nbgrader
    settings, a copy of its gradebook, and links to just these submissions (read, never written)."""
    folder.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", folder)
    shutil.copy(root / GRADEBOOK, folder)
    for name in ("labs", "release"):
        (folder / name).symlink_to((root / name).resolve(), target_is_directory=True)
    for student, lab in part:
        link = folder / "submitted" / student / lab
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to((root / "submitted" / student / lab).resolve(), target_is_directory=True)
    return folder


def _grade_in_parallel(root: Path, graded: list[tuple[str, str]], quick: bool, jobs: int,
                       sandbox_env: dict) -> None:
    """Grade ``graded`` in ``jobs`` scratch course folders at once, then copy every result into
    ``root``'s gradebook and ``autograded/`` (:mod:`course_lib.gradebook_merge`)."""
    from concurrent.futures import ThreadPoolExecutor

    work = root / ".autograde-jobs"
    shutil.rmtree(work, ignore_errors=True)
    parts = [part for part in (graded[i::jobs] for i in range(jobs)) if part]
    folders = [_job_folder(root, work / f"job{i + 1}", part) for i, part in enumerate(parts)]
    try:
        with ThreadPoolExecutor(len(parts)) as pool:
            list(pool.map(lambda job: _grade_labs(*job, quick, sandbox_env),
                          zip(folders, parts, strict=True)))
        where = {pair: folder for folder, part in zip(folders, parts, strict=True) for pair in part}
        for student, lab in sorted(where):  # in the order a serial run adds them
            copy_submission(where[student, lab], root, student, lab)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_grading_sandbox() -> str:
    """The sandbox this run grades in (``SANDBOX``: ``bwrap`` or ``none``); a GradingError that
    says how to install it, or how to opt out knowingly, where it cannot start."""
    try:
        mode = sandbox_mode()
        if mode == "bwrap":
            check_sandbox()
    except (SandboxUnavailable, ValueError) as err:
        raise GradingError(str(err)) from None
    return mode


def autograde(root: Path = REPO, quick: bool = True, csv_name: str = "grades.csv",
              jobs: int = 1, shard: tuple[int, int] | None = None):
    """Grade every valid ``submitted/<student>/<lab>/<lab>.ipynb``, export ``grades.csv`` and
    write ``integrity.csv`` beside it.

    Each submission's kernel runs in the grading sandbox (:mod:`course_lib.sandbox`), unless
    ``SANDBOX=none``; what it blocked and the limits a submission hit are rows of
    ``integrity.csv``, and ``grades.csv`` marks those submissions in its ``review`` column.

    ``jobs`` > 1 grades in that many parallel nbgrader processes, each in a scratch course
    folder with its own gradebook; the results are joined into the one gradebook, so
    ``grades.csv`` and ``integrity.csv`` are those of a serial run. ``shard=(k, m)`` grades only
    slice k of m of the submissions (one machine's share; see ``merge``).

    Returns (graded [(student, lab)], problems [message]). Invalid submissions are not
    graded and are reported; nothing under ``submitted/`` is written.
    """
    root = Path(root)
    check_grading_sandbox()
    graded, problems = [], []
    for student, lab in shard_of(submissions(root), shard):
        problem = check_submission(root, student, lab)
        if problem:
            problems.append(problem)
        else:
            graded.append((student, lab))
    if not graded and not problems:
        raise GradingError(f"{root / 'submitted'}: no submissions to grade")
    released = {lab for lab in lab_names(root / "labs") if (root / "release" / lab).is_dir()}
    missing = sorted({lab for _, lab in graded} - (released if (root / GRADEBOOK).exists() else set()))
    if missing:
        release(root, missing)
    reports = Path(tempfile.mkdtemp(prefix="course-sandbox-reports-"))
    sandbox_env = {REPORTS_VARIABLE: str(reports), ROOT_VARIABLE: str(root.resolve())}
    try:
        if jobs > 1 and len(graded) > 1:
            _grade_in_parallel(root, graded, quick, jobs, sandbox_env)
        else:
            _grade_labs(root, graded, quick, sandbox_env)
        rows = integrity_rows(root, graded, reports)
    finally:
        shutil.rmtree(reports, ignore_errors=True)
    write_integrity_report(root / INTEGRITY_CSV, rows)
    export_grades(root, csv_name)
    return graded, problems


def export_grades(root: Path, csv_name: str = "grades.csv") -> Path:
    """``nbgrader export`` the gradebook to ``root/csv_name`` (written whole, then renamed), with
    a ``review`` column: for each submission, the integrity findings that call for a look before
    its grade stands (:func:`course_lib.integrity.review_reasons`), empty for the others."""
    partial = root / f".{csv_name}.partial"
    _nbgrader(root, "export", f"--to={partial}")
    report = root / INTEGRITY_CSV
    review = review_reasons(read_integrity_report(report)) if report.is_file() else {}
    with open(partial, newline="") as f:
        rows = list(csv.DictReader(f))
        columns = [*(rows[0].keys() if rows else []), "review"]
    with open(partial, "w", newline="") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "review": review.get((row["student_id"], row["assignment"]), "")})
    return partial.replace(root / csv_name)


def merge(root: Path, shards: list[Path]) -> list[tuple[str, str]]:
    """Join course folders graded on other machines (``make autograde SHARD=k/m``) into
    ``root``: their gradebooks, ``autograded/`` notebooks and integrity reports; then export one
    ``grades.csv`` and one ``integrity.csv``."""
    root = Path(root)
    rows = []
    for shard in map(Path, shards):
        if not (shard / GRADEBOOK).is_file():
            raise GradingError(f"{shard}: no {GRADEBOOK}; is it a course folder graded with SHARD=k/m?")
        if (shard / INTEGRITY_CSV).is_file():
            rows += read_integrity_report(shard / INTEGRITY_CSV)
    merged = merge_courses(shards, root)
    write_integrity_report(root / INTEGRITY_CSV, sorted(rows, key=lambda row: row[:2]))
    export_grades(root)
    return merged


INTEGRITY_CSV = "integrity.csv"


def integrity_rows(root: Path, graded: list[tuple[str, str]], reports: Path | None = None):
    """(student, lab, finding) for every graded submission: what its answer cells do, read from
    ``submitted/``, then what the sandbox blocked and the limits it hit (``reports``, written
    by :class:`course_lib.sandbox.execute.SandboxedExecute` while it was graded)."""
    rows = []
    for student, lab in graded:
        source = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        submitted = nbformat.read(root / "submitted" / student / lab / f"{lab}.ipynb", as_version=4)
        rows += [(student, lab, finding) for finding in integrity_findings(submitted, source)]
        report = read_report(reports, student, lab) if reports else None
        rows += [(student, lab, finding) for finding in sandbox_findings(report)]
    return rows


def open_workspace(root: Path = REPO, folder: str = "workspace") -> Path:
    """Copy each released lab into ``workspace/<lab>/`` for a student, never overwriting
    a lab already there (that is the student's work)."""
    root = Path(root)
    release(root)
    workspace = root / folder
    for lab in lab_names(root / "labs"):
        target = workspace / lab
        if not target.exists():
            shutil.copytree(root / "release" / lab, target)
    return workspace


def feedback(root: Path = REPO) -> list[Path]:
    """``nbgrader generate_feedback`` for every graded lab: ``feedback/<student>/<lab>/<lab>.html``
    with each exercise's points and each failed check's message, no hidden test
    (:mod:`course_lib.feedback`)."""
    root = Path(root)
    graded = graded_in(root) if (root / GRADEBOOK).exists() else []
    if not graded:
        raise GradingError(f"{root / GRADEBOOK}: nothing graded yet; run `make autograde` first")
    for lab in sorted({lab for _, lab in graded}):
        _nbgrader(root, "generate_feedback", lab, "--force")
    return [root / "feedback" / student / lab / f"{lab}.html" for student, lab in graded]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading")
    parser.add_argument("command", choices=["release", "autograde", "merge", "feedback", "workspace"])
    parser.add_argument("--root", type=Path, default=REPO, help="course folder")
    parser.add_argument(
        "--full", action="store_true", help="grade with the labs' default (long) settings"
    )
    parser.add_argument("--jobs", type=int, default=1, help="grade in this many parallel processes")
    parser.add_argument("--shard", default=None,
                        help="K/M: grade only slice K of M of the submissions (one machine's share)")
    parser.add_argument("shards", nargs="*", type=Path,
                        help="merge: course folders graded with --shard, to join into --root")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for path in release(args.root):
                print(f"released {path}")
            return 0
        if args.command == "workspace":
            print(open_workspace(args.root))
            return 0
        if args.command == "feedback":
            for path in feedback(args.root):
                print(f"wrote {path}")
            return 0
        if args.command == "merge":
            if not args.shards:
                raise GradingError("merge: name the course folders to join (make autograde-merge SHARDS=...)")
            graded, problems = merge(args.root, args.shards), []
        else:
            if args.jobs < 1:
                raise GradingError(f"--jobs {args.jobs}: need at least 1")
            shard_text = args.shard or shard_from_environment(os.environ)
            shard = parse_shard(shard_text) if shard_text else None
            announce_sandbox(check_grading_sandbox(), shard_text)
            graded, problems = autograde(args.root, quick=not args.full, jobs=args.jobs, shard=shard)
    except (GradingError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rows = read_integrity_report(args.root / INTEGRITY_CSV)
    unsandboxed = {(student, lab) for student, lab, f in rows if f.problem == UNSANDBOXED}
    review = review_reasons(rows)
    tag = " [UNSANDBOXED: SANDBOX=none]" if unsandboxed else ""
    for student, lab in graded:
        line = f"graded {student}/{lab}"
        line += " [UNSANDBOXED: SANDBOX=none]" if (student, lab) in unsandboxed else ""
        line += f" (held for review: {review[student, lab]})" if (student, lab) in review else ""
        print(line)
    print(f"wrote {args.root / 'grades.csv'}{tag}"
          + (f": {len(review)} submission(s) held for review (column `review`)" if review else ""))
    flagged = {(student, lab) for student, lab, _ in rows}
    print(f"wrote {args.root / INTEGRITY_CSV}{tag}: "
          + (f"{len(flagged)} submission(s) to look at" if flagged else "every submission clean"))
    for problem in problems:
        print(f"error: not graded{tag}: {problem}", file=sys.stderr)
    return 1 if problems else 0


def announce_sandbox(mode: str, shard: str | None) -> None:
    """One line before grading: the sandbox and its limits, or that there is none."""
    where = f" (shard {shard})" if shard else ""
    if mode == "none":
        print(f"grading{where} WITHOUT a sandbox [UNSANDBOXED: SANDBOX=none]: every submission's "
              "code runs with your rights and can read the solutions and change the gradebook",
              file=sys.stderr)
        return
    limits = limits_from_environment()
    print(f"grading{where} in the bubblewrap sandbox: memory {format_size(limits.memory)}, "
          f"{limits.processes} processes, files {format_size(limits.file_size)}, "
          f"output {format_size(limits.output)} per notebook, no network")
    if not pids_limit_enforced(limits.processes):
        print("warning: grading as root without a writable pids cgroup: the process limit is "
              "not enforced (run make autograde as another user)", file=sys.stderr)


if __name__ == "__main__":
    quiet_native_logs()
    sys.exit(main())
