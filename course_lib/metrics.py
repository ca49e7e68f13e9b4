"""How a lab reports its headline figures to the runner (``make run``, ``make bench``).

A lab calls ``report_metric("test accuracy", acc)`` for each figure it stands on (most labs
have one; a lab may report several, e.g. an error against a reference and an accuracy). Each
figure is printed for the student and stored in the executed notebook under
``METRIC_MIME``, where ``course_lib.runner`` reads them back, in the order reported.
"""

from __future__ import annotations

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
