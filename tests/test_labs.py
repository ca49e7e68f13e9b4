"""Every lab in labs/: well-formed for nbgrader, committed clean, graded test cells that trust
nothing an answer cell can rebind, and runs headless.

Each lab's quick run is the solution's autograde run in tests/test_grading.py (it checks the
bound below); here the runner executes one lab through papermill, as `make run` does.
"""

import ast
import re

import nbformat
import pytest

from course_lib.integrity import free_names, graded_test_cells, solution_names
from course_lib.metrics import declared_metrics, metric_problems
from course_lib.runner import LABS_DIR, lab_names, run_lab
from tests.lab_expectations import labs_with_expectations

LABS = lab_names()



def check_quick_bounds(lab, metrics):
    """Assert that a quick run reported exactly the figures the lab declares in its
    metrics.toml and met every bound there, saying which does not."""
    problems = metric_problems(LABS_DIR / lab, metrics, bounds=True)
    assert not problems, f"{lab}: " + "; ".join(problems)


def _notebook(lab):
    return nbformat.read(LABS_DIR / lab / f"{lab}.ipynb", as_version=4)


def test_labs_exist_and_follow_the_naming():
    assert LABS, "no lab found in labs/"
    for lab in LABS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", lab), f"{lab}: lab folders are named NN_topic"


@pytest.mark.parametrize("lab", LABS)
def test_lab_is_valid_nbgrader_source(lab):
    nb = _notebook(lab)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3", f"{lab}: kernel must be python3"
    ids, points = set(), 0
    solutions = graded = 0
    for index, cell in enumerate(nb.cells):
        where = f"{lab} cell {index}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{where}: committed with outputs; strip them"
            assert cell.execution_count is None, f"{where}: committed with an execution count"
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        assert meta.get("schema_version") == 3, f"{where}: nbgrader metadata is not v3"
        gid = meta.get("grade_id", "")
        assert re.fullmatch(r"[A-Za-z0-9_-]+", gid), f"{where}: bad grade_id {gid!r}"
        assert gid not in ids, f"{where}: duplicate grade_id {gid}"
        ids.add(gid)
        if meta.get("solution"):
            solutions += 1
            assert "### BEGIN SOLUTION" in cell.source, f"{where}: solution cell has no markers"
        if meta.get("grade"):
            graded += 1
            assert meta.get("points", 0) > 0, f"{where}: graded cell {gid} has no points"
            assert meta.get("locked"), f"{where}: graded test cell {gid} must be locked"
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{where}: {gid} has no hidden tests"
            points += meta["points"]
    assert solutions >= 3 and graded >= 3, f"{lab}: fewer than 3 graded exercises"
    assert points >= 10, f"{lab}: graded exercises are worth {points} points, at least 10 wanted"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{lab}: exactly one cell must be tagged 'parameters'"
    assert "COURSE_QUICK" in tagged[0].source, f"{lab}: parameters cell must honour COURSE_QUICK"


@pytest.mark.parametrize("lab", LABS)
def test_graded_test_cells_are_self_contained(lab):
    """A graded test cell imports its helpers and libraries afresh and reads no global but the
    names its exercises define, so an answer cell that rebinds `check_array` or `np` changes
    nothing it checks."""
    nb = _notebook(lab)
    answers = solution_names(nb)
    for cell in graded_test_cells(nb):
        borrowed = sorted(free_names(cell.source) - answers)
        assert not borrowed, (
            f"{lab} {cell.metadata.nbgrader.grade_id}: reads {borrowed} from the notebook; "
            "import or rebuild them inside the test cell"
        )


@pytest.mark.every_lab_quick
@pytest.mark.parametrize("lab", LABS)
def test_the_lab_runs_with_small_settings_and_meets_its_bounds(lab, tmp_path):
    """`make test-labs`: what CI runs on a second Python (make test covers these runs through
    grading, in tests/test_grading.py)."""
    check_quick_bounds(lab, run_lab(lab, quick=True, out_dir=tmp_path).metrics)


@pytest.mark.parametrize("lab", LABS)
def test_every_lab_declares_its_figures_with_a_bound_and_its_answers(lab):
    """metrics.toml beside the notebook names what the lab reports, at least one figure with a
    quick-run bound, and no figure's name is formatted from a name of the parameters cell (a
    quick and a default run must report the same names; the runner checks every run for the
    rest, e.g. a name built in a loop over a parameter's list)."""
    declared = declared_metrics(LABS_DIR / lab)
    assert any(declared.values()), f"{lab}: metrics.toml bounds none of its figures"
    cells = _notebook(lab).cells
    parameters = {node.id for cell in cells if "parameters" in cell.metadata.get("tags", [])
                  for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Name)}
    for cell in cells:
        if cell.cell_type != "code" or "report_metric(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "report_metric"
                    and isinstance(node.args[0], ast.JoinedStr)):
                used = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)} & parameters
                assert not used, f"{lab}: a figure's name carries the parameter(s) {sorted(used)}"
    assert lab in labs_with_expectations(), f"add lab_{lab}.py to tests/lab_expectations/"


@pytest.mark.slow
def test_the_runner_executes_a_real_lab_with_injected_parameters(tmp_path):
    lab = LABS[0]
    cell = next(c for c in _notebook(lab).cells if "parameters" in c.metadata.get("tags", []))
    name, value = next((node.targets[0].id, ast.literal_eval(node.value))
                       for node in ast.parse(cell.source).body
                       if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant))
    run = run_lab(lab, parameters={name: value}, quick=True, out_dir=tmp_path)
    check_quick_bounds(lab, run.metrics)
    executed = nbformat.read(run.output, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill did not inject the parameters cell"


def test_the_readme_gives_each_labs_points_and_exercises():
    """README's lab table says what a student will be graded on: it must match the notebooks
    (points of the graded test cells; exercises as the numbered "### Exercise N" headings)."""
    readme = (LABS_DIR.parent / "README.md").read_text(encoding="utf-8")
    for lab in LABS:
        nb = _notebook(lab)
        points = sum(c.metadata["nbgrader"]["points"] for c in graded_test_cells(nb))
        exercises = len({m for c in nb.cells if c.cell_type == "markdown"
                         for m in re.findall(r"^### Exercise (\d+)", c.source, re.M)})
        row = next((line for line in readme.splitlines() if line.startswith(f"| [`{lab}`]")), None)
        assert row is not None, f"README.md has no row for {lab} in its lab table"
        said = row.rstrip(" |").rsplit("|", 1)[-1].strip()
        assert said == f"{points:g} ({exercises} exercises)", (
            f"README.md says {lab} grades {said!r}; the notebook has {points:g} points in "
            f"{exercises} exercises")
