"""What the tests expect of each lab's exercises, one file per lab: ``lab_<NN_topic>.py`` defines

- ``WRONG``: plausible wrong answers, each a ``solution`` (the grade_id of a solution cell) and
  the ``source`` a student might write there. The graded test cell after each must lose all its
  points and no other cell any. The first fails a check helper (``check_array``,
  ``check_equal``), so it is the one the cheats in tests/answers.py try to save; none raises;
- ``ALTERNATIVE``: correct answers written differently from the solution (another algorithm,
  other library calls); each must get full marks.

A new lab adds its own file; nothing else in tests/ lists labs. What a lab must reach with small
parameters is the lab's own declaration, ``labs/<NN_topic>/metrics.toml`` (see
``course_lib.metrics.declared_metrics``).
"""

import importlib
from pathlib import Path

HERE = Path(__file__).parent


def _load(lab):
    return importlib.import_module(f"{__name__}.lab_{lab}")


def labs_with_expectations():
    return sorted(p.stem[len("lab_"):] for p in HERE.glob("lab_*.py"))


ANSWERS = {lab: {"wrong": _load(lab).WRONG, "alternative": _load(lab).ALTERNATIVE}
           for lab in labs_with_expectations()}
