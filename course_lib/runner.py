"""Run labs headless: ``make run``, ``make bench`` and the tests all go through ``run_lab``.

A lab is executed top to bottom with papermill in its own folder, with parameters
injected after its ``parameters`` cell and a per-cell timeout. ``quick=True`` sets
``COURSE_QUICK=1`` for the kernel, the small settings grading and the tests use.
The executed copy goes to ``build/labs/`` (written to a temporary file, then renamed).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course_lib.metrics import metric_problems, read_metrics
from course_lib.native_logs import KERNEL_ARGUMENTS, quiet_native_logs

REPO = Path(__file__).resolve().parent.parent
#: Headless, and figures are embedded in the executed notebook as images.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
LABS_DIR = REPO / "labs"
BUILD_LABS = REPO / "build" / "labs"
BENCHMARKS = REPO / "BENCHMARKS.md"
#: Seconds one cell may run, unless ``COURSE_CELL_TIMEOUT`` says otherwise: with the small
#: settings grading and the tests use (an endless loop in a student's cell is interrupted
#: after it), and with a lab's default settings (``make run``, ``make bench``, on a slow laptop).
QUICK_CELL_TIMEOUT = 300
FULL_CELL_TIMEOUT = 900


def cell_timeout(quick: bool) -> int:
    """The per-cell timeout in seconds for a quick or a full run (the one place it is set; the
    runner and nbgrader_config.py read it): ``$COURSE_CELL_TIMEOUT`` if set."""
    value = os.environ.get("COURSE_CELL_TIMEOUT", str(QUICK_CELL_TIMEOUT if quick else FULL_CELL_TIMEOUT))
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"COURSE_CELL_TIMEOUT must be a whole number of seconds, got {value!r}")
    return int(value)


class LabFailed(Exception):
    """A lab raised or timed out; the message names the lab and the failing cell."""


@dataclass
class LabRun:
    lab: str
    seconds: float
    metrics: dict[str, float]
    output: Path


def lab_names(labs_dir: Path = LABS_DIR) -> list[str]:
    """Every lab folder ``labs/NN_topic`` that holds ``NN_topic.ipynb``, in order."""
    return sorted(p.parent.name for p in labs_dir.glob("*/*.ipynb") if p.stem == p.parent.name)


def lab_notebook(lab: str | Path, labs_dir: Path = LABS_DIR) -> Path:
    """The notebook of a lab given by name (``01_cnn``), folder or notebook path."""
    path = Path(lab)
    if path.suffix == ".ipynb":
        candidate = path
    elif path.is_dir():
        candidate = path / f"{path.name}.ipynb"
    else:
        candidate = labs_dir / str(lab) / f"{lab}.ipynb"
    if not candidate.is_file():
        known = ", ".join(lab_names(labs_dir)) or "none"
        raise LabFailed(f"{candidate}: no such lab notebook (labs: {known})")
    return candidate


def _failing_cell(notebook_path: Path, error: Exception) -> str:
    """Describe the first cell papermill did not complete: its number in the lab (from 1),
    its first line and the error."""
    nb = nbformat.read(notebook_path, as_version=4) if notebook_path.exists() else None
    added_by_papermill = {"injected-parameters", "papermill-error-cell-tag"}
    source_cells = [
        c for c in (nb.cells if nb else []) if not added_by_papermill & set(c.metadata.get("tags", []))
    ]
    # A timeout leaves papermill's status at "completed"; nbclient's message quotes the cell.
    timed_out = "-------------------\n" in str(error) and "timed out" in str(error)
    preview = str(error).split("-------------------\n")[1].strip() if timed_out else None
    for index, cell in enumerate(source_cells, start=1):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        unfinished = cell.source.strip().startswith(preview) if preview else status != "completed"
        if cell.cell_type == "code" and unfinished:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                why = f"{errors[-1]['ename']}: {errors[-1]['evalue']}"
            else:
                why = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            first_line = next((s for s in cell.source.splitlines() if s.strip()), "")
            return f"cell {index} ({first_line.strip()[:60]!r}): {why}"
    return f"{type(error).__name__}: {error}"


def run_lab(
    lab: str | Path,
    parameters: dict | None = None,
    quick: bool = False,
    timeout: int | None = None,
    out_dir: Path = BUILD_LABS,
) -> LabRun:
    """Execute one lab headless and return its wall time and headline figures.

    Raises ``LabFailed`` naming the lab and the failing cell if a cell raises or runs
    longer than ``timeout`` seconds (default :func:`cell_timeout`), and naming the figures if
    the run reported one its ``metrics.toml`` does not declare, left one out, or (a quick run
    with no parameter changed) missed a bound; the executed notebook is kept for inspection.
    """
    import papermill

    notebook = lab_notebook(lab)
    name = notebook.stem
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / f"{name}.ipynb"
    partial = out_dir / f".{name}.partial.ipynb"
    saved = {k: os.environ.get(k) for k in ("COURSE_QUICK", "MPLBACKEND")}
    os.environ["COURSE_QUICK"] = "1" if quick else "0"
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    start = time.perf_counter()
    failure = None
    try:
        papermill.execute_notebook(
            str(notebook),
            str(partial),
            parameters=parameters or {},
            cwd=str(notebook.parent),
            kernel_name="python3",
            progress_bar=sys.stderr.isatty(),  # a bar over the cells in a terminal, quiet in logs
            execution_timeout=timeout or cell_timeout(quick),
            extra_arguments=KERNEL_ARGUMENTS,
        )
    except Exception as err:  # a cell raised, timed out, or the kernel died
        failure = _failing_cell(partial, err)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    if partial.exists():
        partial.replace(output)
    if failure:
        raise LabFailed(f"lab {name} failed at {failure}; executed notebook: {output}")
    metrics = read_metrics(nbformat.read(output, as_version=4))
    problems = metric_problems(notebook.parent, metrics, bounds=quick and not parameters)
    if problems:
        raise LabFailed(f"lab {name} ran, but " + "; ".join(problems) + f"; executed notebook: {output}")
    return LabRun(name, seconds, metrics, output)


def format_table(runs: list[LabRun], failures: dict[str, str] | None = None,
                 quick_seconds: dict[str, float] | None = None) -> str:
    """A Markdown table: lab, wall time, headline figures; with ``quick_seconds`` (lab -> wall
    time of its ``--quick`` run) also a column for the quick run."""
    quick = quick_seconds is not None
    lines = ["| lab | wall time (s) |" + (" quick run (s) |" if quick else "") + " headline figures |",
             "| --- | ---: |" + (" ---: |" if quick else "") + " --- |"]
    for run in runs:
        figures = "; ".join(f"{name} {value:.4g}" for name, value in run.metrics.items()) or "-"
        quick_cell = ""
        if quick:
            quick_cell = f" {quick_seconds[run.lab]:.1f} |" if run.lab in quick_seconds else " - |"
        lines.append(f"| {run.lab} | {run.seconds:.1f} |{quick_cell} {figures} |")
    for lab in failures or {}:
        lines.append(f"| {lab} | - |" + (" - |" if quick else "") + " FAILED |")
    return "\n".join(lines)


def benchmark_seconds(quick: bool = False, path: Path | None = BENCHMARKS,
                      text: str | None = None) -> dict[str, float]:
    """Each lab's wall time in the Labs table of BENCHMARKS.md (written by :func:`format_table`
    through ``make bench``), or of ``text``: the default run's, or with ``quick`` the quick
    run's. Empty if the file or the table is missing; a lab whose cell is not a number is left out."""
    if text is None:
        if path is None or not path.is_file():
            return {}
        text = path.read_text(encoding="utf-8")
    text = "\n" + text
    section = text.split("\n## Labs", 1)[-1].split("\n## ", 1)[0] if "\n## Labs" in text else ""
    seconds = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"\d\d_\w+", cells[0]):
            try:
                seconds[cells[0]] = float(cells[2] if quick else cells[1])
            except ValueError:
                continue
    return seconds


def time_left(done: list[LabRun], remaining: list[str], benchmark: dict[str, float]) -> float | None:
    """Seconds the ``remaining`` labs should take: their BENCHMARKS.md times, scaled by how much
    slower or faster this machine ran the labs ``done`` so far. None without figures to go on."""
    if not benchmark or not remaining:
        return None if remaining else 0.0
    typical = sum(benchmark.values()) / len(benchmark)
    measured = [run for run in done if run.lab in benchmark]
    scale = (sum(run.seconds for run in measured) / sum(benchmark[run.lab] for run in measured)
             if measured else 1.0)
    return scale * sum(benchmark.get(lab, typical) for lab in remaining)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def progress_line(number: int, total: int, run: LabRun, left: float | None) -> str:
    """One finished lab: its count, wall time, headline figures, executed notebook and the
    estimated time the rest will take."""
    figures = "; ".join(f"{name} {value:.4g}" for name, value in run.metrics.items()) or "no headline figures"
    try:
        where = run.output.relative_to(REPO)
    except ValueError:
        where = run.output
    line = f"[{number}/{total}] {run.lab}: {run.seconds:.0f} s; {figures}; executed notebook {where}"
    if left is not None and number < total:
        line += f"; about {_minutes(left)} left"
    return line


def run_all(labs: list[str], parameters=None, quick=False, timeout=None, out_dir: Path = BUILD_LABS):
    """Run labs in order, going on after a failure, and print a line as each one finishes;
    return (runs, {lab: message})."""
    runs, failures = [], {}
    benchmark = benchmark_seconds(quick)
    for number, lab in enumerate(labs, start=1):
        print(f"[{number}/{len(labs)}] running {lab} ...", flush=True)
        try:
            runs.append(run_lab(lab, parameters, quick=quick, timeout=timeout, out_dir=out_dir))
        except LabFailed as err:
            failures[lab] = str(err)
            print(f"[{number}/{len(labs)}] error: {err}", file=sys.stderr, flush=True)
            continue
        left = time_left(runs, labs[number:], benchmark)
        print(progress_line(number, len(labs), runs[-1], left), flush=True)
    return runs, failures


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.runner",
        description="Execute labs headless and print lab, wall time and headline metric.",
    )
    parser.add_argument("labs", nargs="*", help="lab names (default: every lab in labs/)")
    parser.add_argument("--quick", action="store_true", help="small settings (COURSE_QUICK=1)")
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="override a name of the lab's parameters cell (a Python literal)",
    )
    parser.add_argument("--timeout", type=int, default=None,
                        help=f"seconds per cell (default $COURSE_CELL_TIMEOUT, else {QUICK_CELL_TIMEOUT} "
                        f"with --quick and {FULL_CELL_TIMEOUT} without)")
    args = parser.parse_args(argv)
    parameters = {name: _parse_value(value) for name, value in args.parameter}
    labs = args.labs or lab_names()
    runs, failures = run_all(labs, parameters, quick=args.quick, timeout=args.timeout)
    print()
    print(format_table(runs, failures))
    for message in failures.values():
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    quiet_native_logs()
    sys.exit(main())
