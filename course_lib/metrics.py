"""How a lab reports its headline figures to the runner (``make run``, ``make bench``).

A lab calls ``report_metric("test accuracy", acc)`` for each figure it stands on (most labs
have one; a lab may report several, e.g. an error against a reference and an accuracy). Each
figure is printed for the student and stored in the executed notebook under
``METRIC_MIME``, where ``course_lib.runner`` reads them back, in the order reported.

Each lab declares the figures it reports, and the bound each must meet with small settings, in
``metrics.toml`` beside its notebook; the runner refuses a run that reports a figure the lab
does not declare or leaves one out, quick or default, so a renamed figure or parameter cannot
silently drop a bound.
"""

from __future__ import annotations

import operator
import re
import tomllib
from pathlib import Path

METRIC_MIME = "application/vnd.course-lib.metric+json"


def report_metric(name: str, value: float) -> None:
    """Show ``name: value`` and record it as the lab's headline metric."""
    from IPython.display import display

    value = float(value)
    display(
        {METRIC_MIME: {"name": name, "value": value}, "text/plain": f"{name}: {value:.4g}"},
        raw=True,
    )


def read_metrics(notebook) -> dict[str, float]:
    """Every figure a lab reported in an executed notebook (a ``nbformat`` node), by name, in
    the order first reported; a name reported twice keeps its last value."""
    found: dict[str, float] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METRIC_MIME in data:
                found[data[METRIC_MIME]["name"]] = float(data[METRIC_MIME]["value"])
    return found


#: The file beside each lab's notebook that names every figure the lab reports.
DECLARATION = "metrics.toml"
NO_BOUND = "no bound"
_CLAUSE = re.compile(r"\s*(>=|<=|==)\s*(\S+)\s*")
_HOLDS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


def declared_metrics(lab_dir: Path) -> dict[str, list[tuple[str, float]]]:
    """The figures a lab declares in ``labs/<lab>/metrics.toml``: name -> the bounds its quick
    run (``COURSE_QUICK=1``) must meet, each ``(">=", "<=" or "==", value)``; empty for none.

    The file has one table, ``[metrics]``, with a line per figure::

        "worst lfilter error" = "<= 1e-5"
        "untrained GRU val nats/char" = ">= 4.0, <= 4.35"
        "matmul GFLOP/s" = "no bound"

    A figure's name is a fixed string: it never carries a parameter's value, so a quick and a
    default run report the same names. Raises ``ValueError`` naming the file and the figure if
    the file is missing or not TOML, or a bound is none of these forms.
    """
    path = Path(lab_dir) / DECLARATION
    if not path.is_file():
        raise ValueError(f"{path}: missing; a lab declares the figures it reports there")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML: {err}") from None
    entries = table.get("metrics")
    if not isinstance(entries, dict) or set(table) != {"metrics"}:
        raise ValueError(f"{path}: needs exactly one table, [metrics], with a line per figure")
    declared: dict[str, list[tuple[str, float]]] = {}
    for name, text in entries.items():
        if text == NO_BOUND:
            declared[name] = []
            continue
        try:
            clauses = [_CLAUSE.fullmatch(clause) for clause in text.split(",")]
            declared[name] = [(match.group(1), float(match.group(2))) for match in clauses]
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"{path}: {name!r} = {text!r}: a bound is '>= number', '<= number', "
                             f"'== number', two of them joined by a comma, or {NO_BOUND!r}") from None
    return declared


def metric_problems(lab_dir: Path, metrics: dict[str, float], bounds: bool) -> list[str]:
    """What is wrong with the figures one run of a lab reported, against its declaration:
    figures it reported but does not declare, figures it declares but did not report, and with
    ``bounds`` (a quick run with the lab's own settings) every bound missed. Empty if nothing."""
    declared = declared_metrics(lab_dir)
    where = Path(lab_dir) / DECLARATION
    problems = [f"reported {name!r}, which {where} does not declare"
                for name in metrics if name not in declared]
    problems += [f"never reported {name!r}, which {where} declares" for name in declared
                 if name not in metrics]
    if bounds:
        problems += [f"{name} {metrics[name]:.6g} is not {relation} {limit:g} with small settings"
                     for name, clauses in declared.items() if name in metrics
                     for relation, limit in clauses if not _HOLDS[relation](metrics[name], limit)]
    return problems
