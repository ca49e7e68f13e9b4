"""The instructor's loop with real nbgrader, on every lab in labs/.

Each lab is graded in a course folder of its own (its own gradebook, so pytest-xdist can grade
two labs at once, one test class per lab); one autograde run grades three submissions, each
executed once:

- alice, the solution: full marks, no integrity finding, and every lesson cell runs (this is
  also the lab's quick run: its headline metric must reach the lab's bound);
- bob, the released notebook with some exercises answered correctly in another way than the
  solution: full marks for those, 0 for every unanswered (raising) exercise, still graded;
- carol, plausible wrong answers (one per exercise), the first preceded by code that rebinds
  the check helpers and patches them in their module: each wrong answer still loses exactly
  its points, and the integrity report names her cell and lines. An exercise's second, third
  ... wrong answer goes to carol2, carol3 ..., so more wrong answers cost one run per round,
  not one per answer.

Two bad submissions per lab are refused with a clear message; nothing submitted changes.
The endless-loop case waits for a cell timeout, so it runs once, on a small lab of its own.
"""

import atexit
import csv
import functools
import hashlib
import html
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from course_lib.grading import INTEGRITY_CSV, autograde, feedback, release
from course_lib.metrics import read_metrics
from course_lib.runner import lab_names
from tests.answers import CHEATS
from tests.conftest import REPO
from tests.lab_expectations import ANSWERS
from tests.notebooks import KERNELSPEC, nbgrader_cell
from tests.test_labs import check_quick_bounds

LABS = lab_names()
pytestmark = pytest.mark.slow


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _graded_after(nb, solution_id):
    """The grade_id of the graded test cell that follows a solution cell."""
    ids = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    start = next(i for i, m in enumerate(ids) if m.get("grade_id") == solution_id)
    return next(m["grade_id"] for m in ids[start + 1:] if m.get("grade"))


def _set_solution(nb, grade_id, source):
    cell = next(c for c in nb.cells if _grade_id(c) == grade_id)
    cell.source = source(cell.source) if callable(source) else source
    return nb.cells.index(cell)


def _digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _submit(root, student, lab, nb):
    folder = root / "submitted" / student / lab
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{lab}.ipynb")
    return folder


@functools.cache
def _graded(lab):
    """One lab's course folder, its submissions graded by nbgrader (``make autograde``).

    Cached per process, so a lab is graded once whatever order its tests run in; pytest-xdist's
    ``--dist loadscope`` sends each lab's test class (below) to one worker.
    """
    root = Path(tempfile.mkdtemp(prefix=f"course-{lab}-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(REPO / "labs" / lab, root / "labs" / lab)
    shutil.copy(REPO / "nbgrader_config.py", root)
    release(root, [lab])

    def read(folder="labs"):
        return nbformat.read(root / folder / lab / f"{lab}.ipynb", as_version=4)

    wrong, alternatives = ANSWERS[lab]["wrong"], ANSWERS[lab]["alternative"]
    _submit(root, "alice", lab, read())
    bob = read("release")
    for answer in alternatives:
        _set_solution(bob, answer["solution"], answer["source"])
    _submit(root, "bob", lab, bob)
    # Each wrong submission carries at most one wrong answer per exercise: carol the first of
    # each (behind the cheats), carol2 the second, and so on; one notebook run per round.
    rounds = []
    for answer in wrong:
        taken = sum(answer["solution"] in [a["solution"] for a in r] for r in rounds)
        if taken == len(rounds):
            rounds.append([])
        rounds[taken].append(answer)
    carol = read()
    cheats = CHEATS["rebind"] + CHEATS["patch"]
    first = rounds[0]
    carol_cell = _set_solution(carol, first[0]["solution"], cheats + first[0]["source"])
    for answer in first[1:]:
        _set_solution(carol, answer["solution"], answer["source"])
    _submit(root, "carol", lab, carol)
    wrong_by_student = {"carol": {_graded_after(carol, a["solution"]) for a in first}}
    for number, answers in enumerate(rounds[1:], start=2):
        nb = read()
        for answer in answers:
            _set_solution(nb, answer["solution"], answer["source"])
        _submit(root, f"carol{number}", lab, nb)
        wrong_by_student[f"carol{number}"] = {_graded_after(nb, a["solution"]) for a in answers}
    (_submit(root, "erin", lab, read("release")) / f"{lab}.ipynb").rename(
        root / "submitted" / "erin" / lab / "my_lab.ipynb")
    other_kernel = read()
    other_kernel.metadata.kernelspec = {"name": "ir", "display_name": "R", "language": "R"}
    _submit(root, "frank", lab, other_kernel)
    before = _digest(root / "submitted")
    with pytest.MonkeyPatch.context() as mp:
        # As in a real `make autograde`: ipykernel sends native (descriptor) output into the
        # cells only outside pytest, and nbgrader scores a graded cell with stderr output 0.
        mp.delenv("PYTEST_CURRENT_TEST", raising=False)
        graded_, problems = autograde(root)
    return {
        "lab": lab, "root": root, "graded": graded_, "problems": problems, "before": before,
        "alternative": {_graded_after(bob, a["solution"]) for a in alternatives},
        "wrong": wrong_by_student["carol"], "wrong_by_student": wrong_by_student,
        "carol_cell": f"cell {carol_cell + 1} ({first[0]['solution']})",
    }


def _scores(root, lab, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(lab, lab, student)
        return {g.name: (g.score, g.max_score) for g in nb.grades}


def _integrity(root):
    with open(root / INTEGRITY_CSV, newline="") as f:
        return list(csv.DictReader(f))


def _errors(notebook):
    return [f"{o.ename}: {o.evalue}" for c in notebook.cells for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


def test_every_lab_has_a_wrong_and_an_alternative_answer():
    for lab in LABS:
        answers = ANSWERS.get(lab, {})
        assert answers.get("wrong") and answers.get("alternative"), (
            f"{lab}: add WRONG and ALTERNATIVE answers to tests/lab_expectations/lab_{lab}.py")
        cells = [a["solution"] for a in answers["alternative"]]
        assert len(cells) == len(set(cells)), f"{lab}: one alternative per solution cell"


class GradedLab:
    """The grading tests of one lab. A subclass per lab follows, so that pytest-xdist's
    ``--dist loadscope`` (``make test``) runs each lab's tests in one worker, two labs at a time."""

    lab = ""

    @pytest.fixture
    def graded(self):
        return _graded(self.lab)

    def test_release_removes_solutions_and_hidden_tests(self, graded):
        lab = graded["lab"]
        released = (graded["root"] / "release" / lab / f"{lab}.ipynb").read_text()
        source = (REPO / "labs" / lab / f"{lab}.ipynb").read_text()
        assert "BEGIN SOLUTION" in source and "BEGIN HIDDEN TESTS" in source
        assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
        assert "raise NotImplementedError" in released

    def test_solution_scores_full_marks_and_runs_every_cell(self, graded):
        lab = graded["lab"]
        scores = _scores(graded["root"], lab, "alice")
        assert scores and all(score == top for score, top in scores.values()), scores
        executed = nbformat.read(graded["root"] / "autograded" / "alice" / lab / f"{lab}.ipynb", 4)
        assert _errors(executed) == [], f"{lab}: cells raised with COURSE_QUICK=1"
        check_quick_bounds(lab, read_metrics(executed))

    def test_unanswered_exercises_score_zero_and_an_alternative_answer_full_marks(self, graded):
        scores = _scores(graded["root"], graded["lab"], "bob")
        for name, (score, top) in scores.items():
            assert score == (top if name in graded["alternative"] else 0), f"{name}: {score}/{top}"

    def test_every_wrong_answer_loses_its_points_even_behind_a_cheat(self, graded):
        for student, wrong in graded["wrong_by_student"].items():
            scores = _scores(graded["root"], graded["lab"], student)
            for name, (score, top) in scores.items():
                assert score == (0 if name in wrong else top), f"{student} {name}: {score}/{top}"

    def test_integrity_report_names_the_cheat_and_nobody_else(self, graded):
        rows = _integrity(graded["root"])
        assert {r["student_id"] for r in rows} == {"carol"}, rows
        assert {r["assignment"] for r in rows} == {graded["lab"]}
        found = {(r["cell"], r["line"], r["problem"]) for r in rows}
        cell = graded["carol_cell"]
        assert (cell, "1", "rebinds `check_array`, a name the graded test cells use") in found
        patch = "assigns to `course_lib.checks.check_array`, inside the module `course_lib`"
        assert (cell, "4", patch) in found

    def test_bad_submissions_are_refused_with_a_clear_message(self, graded):
        lab, problems = graded["lab"], "\n".join(graded["problems"])
        assert f"erin/{lab}: no {lab}.ipynb in the submission folder (found: ['my_lab.ipynb'])" in problems
        assert f"frank/{lab}/{lab}.ipynb: kernel 'ir', but lab {lab} runs on 'python3'" in problems
        assert ("erin", lab) not in graded["graded"] and ("frank", lab) not in graded["graded"]
        assert not (graded["root"] / "autograded" / "frank" / lab).exists()

    def test_grades_csv_is_exported(self, graded):
        with open(graded["root"] / "grades.csv") as f:
            rows = {r["student_id"]: r for r in csv.DictReader(f)}
        assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) > 0
        assert float(rows["carol"]["score"]) < float(rows["carol"]["max_score"])

    def test_feedback_gives_each_score_and_message_but_no_hidden_test(self, graded):
        lab, root = graded["lab"], graded["root"]
        feedback(root)

        def page(student):
            return (root / "feedback" / student / lab / f"{lab}.html").read_text()

        total = sum(top for _, top in _scores(root, lab, "alice").values())
        assert f"{lab} (Score: {total} / {total})" in page("alice")
        carol = page("carol")
        executed = nbformat.read(root / "autograded" / "carol" / lab / f"{lab}.ipynb", 4)
        failed = [c for c in executed.cells if _grade_id(c) in graded["wrong"]]
        for cell in failed:
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            assert errors, f"{_grade_id(cell)}: a wrong answer's test cell raised nothing"
            message = html.escape(f"{errors[0].ename}: {errors[0].evalue}".splitlines()[0], quote=False)
            assert message in carol, f"carol's feedback lacks the failed check: {message}"
        for student in ("alice", "carol"):
            assert "HIDDEN TESTS" not in page(student), f"{student}: hidden tests in the feedback"
            assert "Cell In[" not in page(student), f"{student}: a traceback in the feedback"

    def test_nothing_submitted_was_modified(self, graded):
        assert _digest(graded["root"] / "submitted") == graded["before"]


for _lab in LABS:
    globals()[f"TestLab_{_lab}"] = type(f"TestLab_{_lab}", (GradedLab,), {"lab": _lab})


def _toy_lab():
    """A two-exercise lab that runs in a second, for the timeout case."""
    return new_notebook(metadata={"kernelspec": KERNELSPEC}, cells=[
        new_markdown_cell("A toy lab."),
        nbgrader_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
                      "double_solution", solution=True),
        nbgrader_cell("assert double(3) == 6\n### BEGIN HIDDEN TESTS\nassert double(-1) == -2\n"
                      "### END HIDDEN TESTS\n", "double_tests", grade=True, locked=True, points=1),
        nbgrader_cell("def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n    ### END SOLUTION\n",
                      "half_solution", solution=True),
        nbgrader_cell("assert half(3) == 1.5\n### BEGIN HIDDEN TESTS\nassert half(-1) == -0.5\n"
                      "### END HIDDEN TESTS\n", "half_tests", grade=True, locked=True, points=1),
    ])


def test_an_endless_loop_is_interrupted_and_the_rest_still_graded(tmp_path, monkeypatch):
    lab = "00_toy"
    (tmp_path / "labs" / lab).mkdir(parents=True)
    nbformat.write(_toy_lab(), tmp_path / "labs" / lab / f"{lab}.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    dave = _toy_lab()
    endless = "\nwhile True:  # a student's endless loop\n    pass\n"
    _set_solution(dave, "double_solution", lambda s: s + endless)
    _set_solution(dave, "half_solution", lambda s: "raise RuntimeError('half-finished')\n" + s)
    _submit(tmp_path, "dave", lab, dave)
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "5")
    graded, problems = autograde(tmp_path)
    assert graded == [("dave", lab)] and problems == []
    assert _scores(tmp_path, lab, "dave") == {"double_tests": (1.0, 1.0), "half_tests": (0.0, 1.0)}
    executed = nbformat.read(tmp_path / "autograded" / "dave" / lab / f"{lab}.ipynb", 4)
    errors = " ".join(_errors(executed))
    assert "KeyboardInterrupt" in errors or "CellTimeoutError" in errors, errors


def test_autograde_cli_exits_non_zero_on_a_bad_submission(tmp_path, capsys):
    from course_lib.grading import main

    shutil.copytree(REPO / "labs", tmp_path / "labs")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    (tmp_path / "submitted" / "erin" / LABS[0]).mkdir(parents=True)
    assert main(["autograde", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"error: not graded: {tmp_path}/submitted/erin/{LABS[0]}: no {LABS[0]}.ipynb" in err


def test_workspace_never_overwrites_a_students_work(tmp_path):
    from course_lib.grading import open_workspace

    shutil.copytree(REPO / "labs", tmp_path / "labs")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    mine = tmp_path / "workspace" / LABS[0] / f"{LABS[0]}.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("my answers")
    workspace = open_workspace(tmp_path)
    assert mine.read_text() == "my answers"
    for lab in LABS[1:]:
        assert (workspace / lab / f"{lab}.ipynb").is_file()
