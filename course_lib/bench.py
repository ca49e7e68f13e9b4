"""``make bench``: run every lab with its default and its quick parameters, build the TinyML examples,
and write both tables to BENCHMARKS.md. The pipeline is run through its command line
(``python -m tflite build`` and ``table``): ``tflite`` uses ``course_lib``, never the reverse.

Speed and size targets are read from this table, never asserted on time in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from course_lib.files import write_text_atomically
from course_lib.native_logs import quiet_native_logs
from course_lib.runner import REPO, LabRun, benchmark_seconds, format_table, lab_names, run_all


def machine() -> str:
    """Cores, CPU model and TensorFlow version of this machine, one Markdown line."""
    import tensorflow as tf

    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}"
    )


def tinyml_table(build_dir: Path) -> str:
    """The pipeline's table of every report.json, from its command line (``python -m tflite
    table``): the course's tooling runs the pipeline, it does not import it."""
    table = subprocess.run([sys.executable, "-m", "tflite", "table", str(build_dir)],
                           capture_output=True, text=True, cwd=REPO)
    if table.returncode != 0:
        return f"_`python -m tflite table` failed: {table.stderr.strip()}_\n"
    return table.stdout


def board_check_section(build_dir: Path) -> tuple[str, bool]:
    """``python -m tflite.board_check`` (``make board-check``) on the built examples: its table
    (example, flash, RAM, arena, instructions per inference, agreement with Python) and its
    wall time; ``False`` if the board's int8 outputs differ from Python's. Without the
    tool-chain or the Arduino library the section says why it was not run (not a failure)."""
    start = time.perf_counter()
    check = subprocess.run([sys.executable, "-m", "tflite.board_check", str(build_dir)],
                           capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - start
    errors = [ln for ln in check.stderr.splitlines() if ln.startswith("error:")]
    if check.returncode == 2:
        return f"_Not run: {' '.join(errors) or check.stderr.strip()[-500:]}_\n", True
    text = (f"Each sketch's `inference.cc` with the Arduino library's CMSIS-NN kernels, compiled "
            f"for the Cortex-M4 and run under QEMU (mps2-an386) on every held-out input: "
            f"{seconds:.0f} s, the library's compile included unless cached in build/board/. "
            "Instructions per inference come from QEMU's `-icount` (a proxy, not cycles); flash "
            "leaves out the held-out inputs, RAM includes the arena.\n\n" + check.stdout)
    return text + "".join(f"\n{e}" for e in errors), check.returncode == 0


#: The labs the lab map in DESIGN.md plans: the test suite's projection is for this many.
PLANNED_LABS = 13


def test_suite_section(labs: list[str], workers: int = 2) -> tuple[str, bool]:
    """Run ``make test``'s pytest command once; return a Markdown section with its wall time,
    the slowest tests and the projected wall time for :data:`PLANNED_LABS` labs, and whether
    the suite passed.

    The projection adds, for each lab still to come, the mean per-lab cost measured now (every
    test whose id names a lab, its grading class included, setup included, from pytest's JUnit
    XML) divided by the workers, since pytest-xdist grades two labs at a time.
    """
    import xml.etree.ElementTree as ET

    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-n", str(workers), "--dist", "loadscope",
                   "--durations=15", "-q", f"--junitxml={junit}"]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        wall = time.perf_counter() - start
        cases = ET.parse(junit).getroot().iter("testcase") if junit.exists() else []
        per_lab = dict.fromkeys(labs, 0.0)
        other = 0.0
        for case in cases:
            seconds = float(case.get("time", 0))
            where = f"{case.get('classname', '')}::{case.get('name', '')}"
            lab = next((lab for lab in labs if f"TestLab_{lab}" in where or f"[{lab}" in where), None)
            if lab:
                per_lab[lab] += seconds
            else:
                other += seconds
    after_header = result.stdout.split("slowest 15 durations", 1)[-1].split("\n", 1)[-1]
    slowest = [line for line in after_header.split("=====", 1)[0].splitlines() if line.strip()]
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    mean_lab = sum(per_lab.values()) / max(1, len(per_lab))
    projected = wall + max(0, PLANNED_LABS - len(labs)) * mean_lab / workers
    lines = [
        f"`{' '.join(['pytest', *command[3:7], '--durations=15'])}` (what `make test` runs, install "
        f"excluded): **{wall / 60:.1f} min** wall for {len(labs)} labs; {summary.strip('= ')}.",
        "",
        "| lab | test seconds (sum over its tests, setup included) |",
        "| --- | ---: |",
        *[f"| {lab} | {seconds:.0f} |" for lab, seconds in per_lab.items()],
        f"| everything else | {other:.0f} |",
        "",
        f"Projection for {PLANNED_LABS} labs: {wall / 60:.1f} min + {PLANNED_LABS - len(labs)} labs x "
        f"{mean_lab:.0f} s / {workers} workers = **{projected / 60:.1f} min**, plus the CI install.",
        "",
        "Slowest 15 (`--durations=15`):",
        "",
        "```",
        *slowest,
        "```",
    ]
    return "\n".join(lines), result.returncode == 0


#: Wall-time budgets of a lab on a 2-core machine, in seconds: the lab issues ask for a default
#: run of at most 5 minutes and a quick run of at most 60 s.
DEFAULT_BUDGET, QUICK_BUDGET = 300, 60


def over_budget(runs, quick_seconds: dict[str, float]) -> str:
    """One sentence naming every run over its budget, or saying that none is."""
    over = [f"{run.lab} ({run.seconds:.0f} s)" for run in runs if run.seconds > DEFAULT_BUDGET]
    over += [f"{lab}, quick ({seconds:.0f} s)" for lab, seconds in quick_seconds.items()
             if seconds > QUICK_BUDGET]
    if not over:
        return "Every run is within its budget."
    return "Over budget in this run: " + ", ".join(over) + "."


#: The lab and class size ``make bench`` grades serially and with ``JOBS=2``.
GRADING_LAB, GRADING_STUDENTS, GRADING_JOBS = "03_rnn", 4, 2


def grading_section() -> tuple[str, bool]:
    """Grade the same class (the solution of :data:`GRADING_LAB` submitted by
    :data:`GRADING_STUDENTS` students) in the sandbox serially, without it (``SANDBOX=none``)
    and in the sandbox with ``JOBS=2``; a Markdown section with the wall times, the time per
    submission, the sandbox's cost and the speed-up, and whether the runs gave the same grades."""
    import csv
    import shutil

    from course_lib.grading import autograde

    def course(folder: Path) -> Path:
        shutil.copytree(REPO / "labs" / GRADING_LAB, folder / "labs" / GRADING_LAB)
        shutil.copy(REPO / "nbgrader_config.py", folder)
        for i in range(GRADING_STUDENTS):
            into = folder / "submitted" / f"student{i + 1:02d}" / GRADING_LAB
            into.mkdir(parents=True)
            shutil.copy(REPO / "labs" / GRADING_LAB / f"{GRADING_LAB}.ipynb", into)
        return folder

    def grades(folder: Path) -> list[dict]:
        with open(folder / "grades.csv", newline="") as f:
            return [{k: v for k, v in row.items() if k != "timestamp"} for row in csv.DictReader(f)]

    runs = {"make autograde": ("bwrap", 1), "SANDBOX=none make autograde": ("none", 1),
            f"make autograde JOBS={GRADING_JOBS}": ("bwrap", GRADING_JOBS)}
    seconds, results = {}, {}
    saved = os.environ.get("SANDBOX")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, (sandbox, jobs)) in enumerate(runs.items()):
            folder = course(Path(tmp) / f"run{i}")
            os.environ["SANDBOX"] = sandbox
            try:
                start = time.perf_counter()
                autograde(folder, jobs=jobs)
                seconds[name] = time.perf_counter() - start
            finally:
                os.environ.pop("SANDBOX") if saved is None else os.environ.update(SANDBOX=saved)
            results[name] = grades(folder)
    serial, bare, parallel = runs
    same = results[serial] == results[bare] == results[parallel]
    per = {name: value / GRADING_STUDENTS for name, value in seconds.items()}
    lines = [
        f"{GRADING_STUDENTS} submissions of `{GRADING_LAB}` (the solution), graded with small "
        "settings, release and export included:",
        "",
        "| command | wall time | per submission |",
        "| --- | ---: | ---: |",
        *(f"| `{name}` | {seconds[name]:.0f} s | {per[name]:.1f} s |" for name in runs),
        "",
        f"The sandbox costs {per[serial] - per[bare]:+.1f} s per submission "
        f"({seconds[serial] / seconds[bare]:.2f}x the time without it). "
        f"Speed-up of JOBS={GRADING_JOBS} {seconds[serial] / seconds[parallel]:.2f}x on "
        f"{os.cpu_count()} cores; grades.csv "
        + ("identical apart from timestamps in all three runs." if same else "DIFFERS between the runs."),
    ]
    return "\n".join(lines), same


GRADING_HEADING = "## Grading a class (`make autograde JOBS=N`, the sandbox's cost)"


def budget_sentence(runs, quick_seconds: dict[str, float]) -> str:
    """The Labs section's first paragraph: the budgets, and the runs over them."""
    return (f"Budgets on 2 cores: a default run at most {DEFAULT_BUDGET} s, a quick run "
            f"(`COURSE_QUICK=1`, what the tests and `make autograde` use) at most {QUICK_BUDGET} s. "
            + over_budget(runs, quick_seconds))


def replace_lab_rows(text: str, runs, quick_seconds: dict[str, float], failures=None,
                     measured_on: str = "") -> str:
    """BENCHMARKS.md ``text`` with the Labs table's rows of the labs in ``runs`` (and
    ``failures``) measured anew, the other rows kept, and the budget paragraph rewritten from
    every row (``make bench LABS=...``), naming the machine ``measured_on`` (:func:`machine`)
    when given: it may not be the one the file's Machine line names."""
    fresh = {line.split("|")[1].strip(): line
             for line in format_table(runs, failures, quick_seconds).splitlines()[2:]}
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Labs"), None)
    if start is None:
        raise ValueError("no '## Labs' section to update: run `make bench` once without LABS")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    table = [i for i in range(start, end) if lines[i].startswith("| ")]
    for i in table[2:]:
        lab = lines[i].split("|")[1].strip()
        if lab in fresh:
            lines[i] = fresh.pop(lab)
    lines[table[-1] + 1:table[-1] + 1] = list(fresh.values())  # labs the table did not have yet
    section = "\n".join(lines[start:end])
    default = benchmark_seconds(path=None, text=section)
    quick = benchmark_seconds(quick=True, path=None, text=section)
    labs = ", ".join(run.lab for run in runs)
    every_row = [LabRun(lab, seconds, {}, Path()) for lab, seconds in default.items()]
    where = f" ({measured_on})" if measured_on else ""
    paragraph = (budget_sentence(every_row, quick) + f" Rows re-measured on {date.today().isoformat()}"
                 f"{where} with `make bench LABS=...`: {labs}.")
    first = next(i for i in range(start + 1, end) if lines[i].strip())
    last = next((i for i in range(first, end) if not lines[i].strip()), end)
    lines[first:last] = [paragraph]
    return "\n".join(lines).rstrip("\n") + "\n"


def replace_section(text: str, heading: str, body: str) -> str:
    """``text`` (Markdown) with the section under ``heading`` (up to the next ``## ``) replaced
    by ``body``, or appended if there is none."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading.split(" (")[0])), None)
    if start is None:
        return text.rstrip("\n") + f"\n\n{heading}\n\n{body}\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join([*lines[:start], heading, "", body, "", *lines[end:]]).rstrip("\n") + "\n"


TINYML_HEADING = "## TinyML (`make tinyml`)"
BOARD_HEADING = "## The board's kernels under QEMU (`make board-check`)"


def tinyml_sections(failures: dict) -> list[tuple[str, str]]:
    """Build every TinyML example (``make tinyml``) and run the board check on them: the
    two sections of BENCHMARKS.md, as (heading, body); problems go into ``failures``."""
    tinyml_dir = REPO / "build" / "tflite"
    start = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-m", "tflite", "build", "--example", "all", "--out", str(tinyml_dir)]
    )
    tinyml_seconds = time.perf_counter() - start
    if built.returncode != 0:
        failures["tinyml"] = f"`python -m tflite build` exited with status {built.returncode}"
    tinyml = (
        f"All three examples, every build mode: {tinyml_seconds:.0f} s. Accuracy (MAE for sine) "
        "is measured in the TFLite Micro runtime on held-out data; arena is what it used.\n\n"
        + tinyml_table(tinyml_dir)
    )
    board, agree = board_check_section(tinyml_dir)
    if not agree:
        failures["board-check"] = "the board's int8 outputs differ from Python's; run make board-check"
    return [(TINYML_HEADING, tinyml.rstrip("\n")), (BOARD_HEADING, board)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.bench")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test suite")
    parser.add_argument("--labs", nargs="+", metavar="LAB",
                        help="only run these labs (default and quick settings) and replace their "
                        "rows of the Labs table, keeping the rest of the file")
    parser.add_argument("--tinyml-only", action="store_true",
                        help="only build the TinyML examples and run the board check; rewrite "
                        "those two sections")
    parser.add_argument("--grading-only", action="store_true",
                        help="only time grading (sandboxed, SANDBOX=none, JOBS=2); rewrite that section")
    args = parser.parse_args(argv)
    if args.grading_only:
        section, same = grading_section()
        old = args.out.read_text() if args.out.is_file() else "# Benchmarks\n"
        write_text_atomically(args.out, replace_section(old, GRADING_HEADING, section))
        print(section)
        return 0 if same else 1
    if args.tinyml_only:
        failures: dict[str, str] = {}
        text = args.out.read_text() if args.out.is_file() else "# Benchmarks\n"
        for heading, body in tinyml_sections(failures):
            text = replace_section(text, heading, body)
            print(f"{heading}\n\n{body}\n")
        write_text_atomically(args.out, text)
        for message in failures.values():
            print(f"error: {message}", file=sys.stderr)
        return 1 if failures else 0
    if args.labs:
        runs, failures = run_all(args.labs)
        quick_runs, quick_failures = run_all(args.labs, quick=True)
        failures.update({f"{lab} (quick run)": message for lab, message in quick_failures.items()})
        old = args.out.read_text() if args.out.is_file() else ""
        write_text_atomically(args.out, replace_lab_rows(old, runs, {r.lab: r.seconds for r in quick_runs},
                                                         failures, machine()))
        print(format_table(runs, failures, {r.lab: r.seconds for r in quick_runs}))
        return 1 if failures else 0
    runs, failures = run_all(lab_names())
    quick_runs, quick_failures = run_all(lab_names(), quick=True)
    quick_seconds = {run.lab: run.seconds for run in quick_runs}
    failures.update({f"{lab} (quick run)": message for lab, message in quick_failures.items()})
    sections = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {date.today().isoformat()}: every lab run headless with "
        "its default parameters on the shipped data.",
        "",
        f"Machine: {machine()}.",
        "",
        "## Labs",
        "",
        budget_sentence(runs, quick_seconds),
        "",
        format_table(runs, failures, quick_seconds),
        "",
    ]
    for heading, body in tinyml_sections(failures):
        sections += [heading, "", body, ""]
    section, same = grading_section()
    sections += [GRADING_HEADING, "", section, ""]
    if not same:
        failures["grading"] = "parallel grading gave other grades than a serial run"
    if not args.no_tests:
        section, passed = test_suite_section(lab_names())
        sections += ["## Test suite (`make test`)", "", section, ""]
        if not passed:
            failures["tests"] = "the test suite failed; run `make test` for the details"
    write_text_atomically(args.out, "\n".join(sections))
    print("\n".join(sections))
    for message in failures.values():
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    quiet_native_logs()
    sys.exit(main())
