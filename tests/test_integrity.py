"""The integrity report: what it lists, where, and that a clean or innocent submission has no entry."""

import copy

import nbformat
import pytest

from course_lib.integrity import (
    check_submission,
    free_names,
    global_bindings,
    integrity_csv,
    parse_cell,
    write_integrity_report,
)
from course_lib.runner import LABS_DIR, lab_names
from tests.answers import CHEATS

LABS = lab_names()


def _lab(lab):
    return nbformat.read(LABS_DIR / lab / f"{lab}.ipynb", as_version=4)


def _with_first_answer(nb, prefix):
    """A copy of ``nb`` whose first solution cell starts with ``prefix``; its label."""
    nb = copy.deepcopy(nb)
    index, cell = next((i, c) for i, c in enumerate(nb.cells)
                       if c.metadata.get("nbgrader", {}).get("solution"))
    cell.source = prefix + cell.source
    return nb, f"cell {index + 1} ({cell.metadata.nbgrader.grade_id})"


@pytest.mark.parametrize("lab", LABS)
def test_the_solution_is_clean(lab):
    """(The released notebook is checked in tests/test_grading.py, where it is graded.)"""
    assert check_submission(_lab(lab), _lab(lab)) == []


@pytest.mark.parametrize("lab", LABS)
def test_rebinding_and_patching_the_helpers_are_listed_with_cell_and_line(lab):
    nb, label = _with_first_answer(_lab(lab), CHEATS["rebind"] + CHEATS["patch"])
    found = {(f.cell, f.line, f.problem) for f in check_submission(nb, _lab(lab))}
    assert (label, 1, "rebinds `check_array`, a name the graded test cells use") in found
    assert (label, 1, "rebinds `check_equal`, a name the graded test cells use") in found
    assert (label, 4, "assigns to `course_lib.checks.check_array`, inside the module `course_lib`") in found
    assert (label, 5, "assigns to `course_lib.check_array`, inside the module `course_lib`") in found


@pytest.mark.parametrize("code, line, problem", [
    ("import builtins\nbuiltins.isinstance = lambda *a: True\n", 2,
     "assigns to `builtins.isinstance`, inside the module `builtins`"),
    ("__builtins__.print = None\n", 1, "assigns to `__builtins__.print`, inside the module `__builtins__`"),
    ("import sys\nsys.modules['course_lib.checks'] = None\n", 2,
     "assigns to `sys.modules['course_lib.checks']`, inside the module `sys`"),
    ("import numpy\nnumpy.allclose = lambda *a, **k: True\n", 2,
     "assigns to `numpy.allclose`, inside the module `numpy`"),
    ("import course_lib.checks as c\nsetattr(c, 'check_array', print)\n", 2,
     "calls `setattr(c, 'check_array', print)`, changing a module"),
    ("globals()['check_array'] = print\n", 1,
     "assigns to the notebook's namespace through `globals()['check_array']`"),
    ("get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n", 1,
     "changes the kernel's error handling with `set_custom_exc()`"),
    ("import sys\nsys.excepthook = print\n", 2, "assigns to the kernel's error hook `sys.excepthook`"),
    ("exec('check_array = print')\n", 1,
     "runs code built at run time with `exec()`, which this report cannot read"),
    ("def helper():\n    global np\n    np = None\n", 2, "rebinds `np`, a name the graded test cells use"),
    ("for isinstance in range(3):\n    pass\n", 1, "rebinds `isinstance`, a name the graded test cells use"),
])
def test_each_kind_of_tampering_is_listed(code, line, problem):
    lab = _lab(LABS[0])
    nb, label = _with_first_answer(lab, code)
    assert (label, line, problem) in {(f.cell, f.line, f.problem) for f in check_submission(nb, lab)}


def test_innocent_code_is_not_listed():
    lab = _lab(LABS[0])
    innocent = (
        "import matplotlib.pyplot as plt\n"
        "plt.rcParams['figure.figsize'] = (8, 4)\n"  # item assignment into a library dict
        "results = {}\n"
        "results['a'] = 1\n"
        "def local_names(x):\n"
        "    check_array = x  # local to the function\n"
        "    return [np for np in range(3)]  # comprehension-local\n"
        "%matplotlib inline\n"
    )
    nb, _ = _with_first_answer(lab, innocent)
    assert check_submission(nb, lab) == []


def test_an_added_cell_and_an_edited_lesson_cell_are_read_too():
    lab = _lab(LABS[0])
    nb = copy.deepcopy(lab)
    lesson = next(i for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and not c.metadata.get("nbgrader"))
    nb.cells[lesson].source += "\ncheck_equal = print\n"
    nb.cells.append(nbformat.v4.new_code_cell("import course_lib\ncourse_lib.checks.rel_error = abs\n"))
    found = {(f.cell, f.problem) for f in check_submission(nb, lab)}
    assert (f"cell {lesson + 1}", "rebinds `check_equal`, a name the graded test cells use") in found
    assert (f"cell {len(nb.cells)}",
            "assigns to `course_lib.checks.rel_error`, inside the module `course_lib`") in found


def test_a_missing_graded_cell_is_listed():
    lab = _lab(LABS[0])
    nb = copy.deepcopy(lab)
    gone = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    nb.cells.remove(gone)
    gid = gone.metadata.nbgrader.grade_id
    assert [(f.cell, f.line, f.problem) for f in check_submission(nb, lab)] == [
        (gid, None, f"the graded cell {gid} is missing")]


def test_a_cell_that_does_not_parse_is_skipped():
    assert parse_cell("def broken(:\n") is None
    assert free_names("def broken(:\n") == set()


def test_bindings_and_free_names():
    tree = parse_cell("import numpy as np\nfrom a import b\nx, (y, *z) = 1, (2, 3)\n"
                      "with open('f') as fh:\n    pass\nclass K:\n    pass\n"
                      "try:\n    pass\nexcept ValueError as err:\n    pass\n")
    assert [name for name, _ in global_bindings(tree)] == ["np", "b", "x", "y", "z", "fh", "K", "err"]
    assert free_names("y = f(x)\nprint([k for k in y])\n") == {"f", "x"}


def test_the_report_is_csv_with_a_header_and_written_atomically(tmp_path):
    lab = _lab(LABS[0])
    nb, label = _with_first_answer(lab, CHEATS["rebind"])
    rows = [("carol", LABS[0], f) for f in check_submission(nb, lab)]
    text = integrity_csv(rows)
    assert text.splitlines()[0] == "student_id,assignment,cell,line,problem"
    assert f"carol,{LABS[0]},{label},1,\"rebinds `check_array`, a name the graded test cells use\"" in text
    path = write_integrity_report(tmp_path / "integrity.csv", [])
    assert path.read_text() == "student_id,assignment,cell,line,problem\n"
    assert [p.name for p in tmp_path.iterdir()] == ["integrity.csv"]


def test_importing_what_the_lab_imports_is_not_a_rebinding_but_another_module_is():
    lab = _lab(LABS[0])
    nb, label = _with_first_answer(lab, "import numpy as np\nimport math as np\n")
    assert [(f.cell, f.line, f.problem) for f in check_submission(nb, lab)] == [
        (label, 2, "rebinds `np`, a name the graded test cells use")]
