"""The instructor's loop with nbgrader: release student versions, autograde, export.

``make release`` and ``make autograde`` call ``main``; the tests call ``release`` and
``autograde`` on a temporary course folder. Submissions are only read: nbgrader
copies them to ``autograded/`` and grades the copies. Next to ``grades.csv``,
``autograde`` writes ``integrity.csv`` (:mod:`course_lib.integrity`): the submissions whose
answer cells rebind what the test cells use or patch a module, cell and line.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course_lib.integrity import check_submission as integrity_findings
from course_lib.integrity import write_integrity_report
from course_lib.native_logs import drop_startup_noise, quiet_native_logs
from course_lib.runner import INLINE_BACKEND, lab_names

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


def autograde(root: Path = REPO, quick: bool = True, csv_name: str = "grades.csv"):
    """Grade every valid ``submitted/<student>/<lab>/<lab>.ipynb``, export ``grades.csv`` and
    write ``integrity.csv`` beside it.

    Returns (graded [(student, lab)], problems [message]). Invalid submissions are not
    graded and are reported; nothing under ``submitted/`` is written.
    """
    root = Path(root)
    graded, problems = [], []
    for student, lab in submissions(root):
        problem = check_submission(root, student, lab)
        if problem:
            problems.append(problem)
        else:
            graded.append((student, lab))
    if not graded and not problems:
        raise GradingError(f"{root / 'submitted'}: no submissions to grade")
    released = {lab for lab in lab_names(root / "labs") if (root / "release" / lab).is_dir()}
    for lab in sorted({lab for _, lab in graded}):
        if lab not in released:
            release(root, [lab])
        students = [s for s, g in graded if g == lab]
        others = [s for s, _ in submissions(root) if s not in students]
        args = ["autograde", lab, "--force", "--create"]
        if others:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(sorted(set(others)))}")
        _nbgrader(root, *args, COURSE_QUICK="1" if quick else "0", MPLBACKEND=INLINE_BACKEND)
    partial = root / f".{csv_name}.partial"
    _nbgrader(root, "export", f"--to={partial}")
    partial.replace(root / csv_name)
    write_integrity_report(root / INTEGRITY_CSV, integrity_rows(root, graded))
    return graded, problems


INTEGRITY_CSV = "integrity.csv"


def integrity_rows(root: Path, graded: list[tuple[str, str]]):
    """(student, lab, finding) for every graded submission, read from ``submitted/``."""
    rows = []
    for student, lab in graded:
        source = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        submitted = nbformat.read(root / "submitted" / student / lab / f"{lab}.ipynb", as_version=4)
        rows += [(student, lab, finding) for finding in integrity_findings(submitted, source)]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading")
    parser.add_argument("command", choices=["release", "autograde", "workspace"])
    parser.add_argument("--root", type=Path, default=REPO, help="course folder")
    parser.add_argument(
        "--full", action="store_true", help="grade with the labs' default (long) settings"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for path in release(args.root):
                print(f"released {path}")
            return 0
        if args.command == "workspace":
            print(open_workspace(args.root))
            return 0
        graded, problems = autograde(args.root, quick=not args.full)
    except GradingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for student, lab in graded:
        print(f"graded {student}/{lab}")
    print(f"wrote {args.root / 'grades.csv'}")
    with open(args.root / INTEGRITY_CSV, newline="") as f:
        flagged = {(row["student_id"], row["assignment"]) for row in csv.DictReader(f)}
    print(f"wrote {args.root / INTEGRITY_CSV}: "
          + (f"{len(flagged)} submission(s) to look at" if flagged else "every submission clean"))
    for problem in problems:
        print(f"error: not graded: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    quiet_native_logs()
    sys.exit(main())
