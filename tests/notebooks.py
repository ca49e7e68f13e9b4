"""Build small notebooks for tests (not the lesson: test plumbing)."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def write_notebook(path, *sources, parameters=None, metrics=None):
    """Write a notebook whose first cell (tagged ``parameters``) holds ``parameters``, and
    beside it the ``metrics.toml`` declaring ``metrics`` (figure name -> bound text, e.g.
    ``{"accuracy": ">= 0.5"}``; none declared by default)."""
    cells = []
    if parameters is not None:
        cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [new_code_cell(source) for source in sources]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    lines = [f'"{name}" = "{bound}"' for name, bound in (metrics or {}).items()]
    (path.parent / "metrics.toml").write_text("\n".join(["[metrics]", *lines, ""]), encoding="utf-8")
    return path


def nbgrader_cell(source, grade_id, **meta):
    """A code cell with nbgrader's v3 metadata: ``solution=True`` for an answer cell,
    ``grade=True, locked=True, points=N`` for a graded test cell."""
    return new_code_cell(source, metadata={"nbgrader": {
        "schema_version": 3, "grade_id": grade_id, "grade": False, "solution": False,
        "locked": False, **meta}})
