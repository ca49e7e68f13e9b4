"""The instructor's loop with real nbgrader, on every lab in labs/.

One autograde run grades several students per lab: the solution (full marks), the
released notebook unanswered (0 everywhere), one wrong answer (loses exactly that
exercise), a submission with a looping and a raising cell (still graded), and two
bad submissions that are refused with a clear message. Nothing submitted changes.
"""

import csv
import hashlib
import shutil

import nbformat
import pytest

from course_lib.grading import autograde, release
from course_lib.runner import lab_names
from tests.conftest import REPO
from tests.wrong_answers import WRONG_ANSWERS

LABS = lab_names()
CELL_TIMEOUT = 60
pytestmark = pytest.mark.slow


def _graded_after(nb, solution_id):
    """The grade_id of the graded test cell that follows a solution cell."""
    ids = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    start = next(i for i, m in enumerate(ids) if m.get("grade_id") == solution_id)
    return next(m["grade_id"] for m in ids[start + 1:] if m.get("grade"))


def _set_solution(nb, grade_id, source):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = source(cell.source) if callable(source) else source


def _solution_ids(nb):
    return [c.metadata.nbgrader["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")]


def _digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(REPO / "labs", root / "labs")
    shutil.copy(REPO / "nbgrader_config.py", root)
    release(root)
    expected = {}
    for lab in LABS:
        source = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        released = root / "release" / lab / f"{lab}.ipynb"

        def submit(student, nb=None, lab=lab, released=released):
            folder = root / "submitted" / student / lab
            folder.mkdir(parents=True)
            if nb is None:
                shutil.copy(released, folder / f"{lab}.ipynb")
            else:
                nbformat.write(nb, folder / f"{lab}.ipynb")
            return folder

        submit("alice", source)
        submit("bob")
        wrong = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        _set_solution(wrong, WRONG_ANSWERS[lab]["solution"], WRONG_ANSWERS[lab]["source"])
        submit("carol", wrong)
        broken = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        first, last = _solution_ids(broken)[0], _solution_ids(broken)[-1]
        _set_solution(broken, first, lambda s: s + "\nwhile True:  # a student's endless loop\n    pass\n")
        _set_solution(broken, last, lambda s: "raise RuntimeError('half-finished')\n" + s)
        submit("dave", broken)
        (submit("erin") / f"{lab}.ipynb").rename(root / "submitted" / "erin" / lab / "my_lab.ipynb")
        other_kernel = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
        other_kernel.metadata.kernelspec = {"name": "ir", "display_name": "R", "language": "R"}
        submit("frank", other_kernel)
        expected[lab] = {
            "wrong": _graded_after(wrong, WRONG_ANSWERS[lab]["solution"]),
            "raises": _graded_after(broken, last),
        }
    before = _digest(root / "submitted")
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_CELL_TIMEOUT", str(CELL_TIMEOUT))
    try:
        graded, problems = autograde(root)
    finally:
        mp.undo()
    return {"root": root, "graded": graded, "problems": problems, "before": before,
            "expected": expected}


def _scores(root, lab, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(lab, lab, student)
        return {g.name: (g.score, g.max_score) for g in nb.grades}


def test_every_lab_has_a_wrong_answer():
    assert set(LABS) <= set(WRONG_ANSWERS), "add a plausible wrong answer to tests/wrong_answers.py"


@pytest.mark.parametrize("lab", LABS)
def test_release_removes_solutions_and_hidden_tests(course, lab):
    released = (course["root"] / "release" / lab / f"{lab}.ipynb").read_text()
    source = (REPO / "labs" / lab / f"{lab}.ipynb").read_text()
    assert "BEGIN SOLUTION" in source and "BEGIN HIDDEN TESTS" in source
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
    assert "raise NotImplementedError" in released


@pytest.mark.parametrize("lab", LABS)
def test_solution_scores_full_marks(course, lab):
    scores = _scores(course["root"], lab, "alice")
    assert scores and all(score == top for score, top in scores.values()), scores


@pytest.mark.parametrize("lab", LABS)
def test_released_unanswered_scores_zero_everywhere(course, lab):
    scores = _scores(course["root"], lab, "bob")
    assert scores and all(score == 0 for score, _ in scores.values()), scores


@pytest.mark.parametrize("lab", LABS)
def test_wrong_answer_loses_exactly_its_exercise(course, lab):
    scores = _scores(course["root"], lab, "carol")
    lost = course["expected"][lab]["wrong"]
    for name, (score, top) in scores.items():
        assert score == (0 if name == lost else top), f"{name}: {score}/{top}"


@pytest.mark.parametrize("lab", LABS)
def test_looping_and_raising_cells_do_not_stop_grading(course, lab):
    scores = _scores(course["root"], lab, "dave")
    lost = course["expected"][lab]["raises"]
    for name, (score, top) in scores.items():
        assert score == (0 if name == lost else top), f"{name}: {score}/{top}"
    graded = nbformat.read(course["root"] / "autograded" / "dave" / lab / f"{lab}.ipynb", 4)
    errors = [o.ename for c in graded.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert "KeyboardInterrupt" in errors or "CellTimeoutError" in errors, errors


def test_bad_submissions_are_refused_with_a_clear_message(course):
    problems = "\n".join(course["problems"])
    for lab in LABS:
        assert f"erin/{lab}: no {lab}.ipynb in the submission folder (found: ['my_lab.ipynb'])" in problems
        assert f"frank/{lab}/{lab}.ipynb: kernel 'ir', but lab {lab} runs on 'python3'" in problems
        assert ("erin", lab) not in course["graded"] and ("frank", lab) not in course["graded"]
        assert not (course["root"] / "autograded" / "frank" / lab).exists()


def test_grades_csv_is_exported(course):
    with open(course["root"] / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    alice = [r for r in rows if r["student_id"] == "alice"]
    assert len(alice) == len(LABS)
    assert all(float(r["score"]) == float(r["max_score"]) > 0 for r in alice)


def test_nothing_submitted_was_modified(course):
    assert _digest(course["root"] / "submitted") == course["before"]


def test_autograde_cli_exits_non_zero_on_a_bad_submission(tmp_path, capsys):
    from course_lib.grading import main

    shutil.copytree(REPO / "labs", tmp_path / "labs")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    (tmp_path / "submitted" / "erin" / LABS[0]).mkdir(parents=True)
    assert main(["autograde", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"error: not graded: {tmp_path}/submitted/erin/{LABS[0]}: no {LABS[0]}.ipynb" in err


def test_workspace_never_overwrites_a_students_work(course):
    from course_lib.grading import open_workspace

    root = course["root"]
    mine = root / "workspace" / LABS[0] / f"{LABS[0]}.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("my answers")
    workspace = open_workspace(root)
    assert mine.read_text() == "my answers"
    for lab in LABS[1:]:
        assert (workspace / lab / f"{lab}.ipynb").is_file()
