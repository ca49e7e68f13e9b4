"""How a lab reports its headline figure to the runner (``make run``, ``make bench``).

A lab calls ``report_metric("test accuracy", acc)`` once; the figure is printed for
the student and stored in the executed notebook under ``METRIC_MIME``, where
``course_lib.runner`` reads it back.
"""

from __future__ import annotations

METRIC_MIME = "application/vnd.course-lib.metric+json"


def report_metric(name: str, value: float) -> None:
    """Show ``name: value`` and record it as the lab's headline metric."""
    from IPython.display import display

    value = float(value)
    display(
        {METRIC_MIME: {"name": name, "value": value}, "text/plain": f"{name}: {value:.4f}"},
        raw=True,
    )


def read_metric(notebook) -> dict | None:
    """The last metric a lab reported in an executed notebook (a ``nbformat`` node), or None."""
    found = None
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METRIC_MIME in data:
                found = dict(data[METRIC_MIME])
    return found
