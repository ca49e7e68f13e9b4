"""Grading a large class: parallel jobs and machine shards give the serial run's results, and
every student gets a feedback page that shows each check's message but no hidden test.

Runs on a toy lab of two exercises (a second per submission) with five students, so the
comparison is cheap; the real labs' grading is tests/test_grading.py.
"""

import csv
import shutil

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from course_lib.grading import INTEGRITY_CSV, autograde, feedback, merge, parse_shard, release
from tests.answers import CHEATS
from tests.conftest import REPO
from tests.notebooks import KERNELSPEC, nbgrader_cell

pytestmark = pytest.mark.slow
LAB = "00_toy"
HIDDEN_LINE = "_secret_case = double(-21)"


TEST_HEADER = ("import importlib\nimport course_lib.checks\n"
               "_checks = importlib.reload(course_lib.checks)\n")


def _toy_lab(double="return 2 * x", half="return x / 2", before=""):
    return new_notebook(metadata={"kernelspec": KERNELSPEC}, cells=[
        new_markdown_cell("A toy lab."),
        nbgrader_cell(f"{before}def double(x):\n    ### BEGIN SOLUTION\n    {double}\n    ### END SOLUTION\n",
              "double_solution", solution=True),
        nbgrader_cell(TEST_HEADER + "_checks.check_equal('double(3)', double(3), 6)\n"
              f"### BEGIN HIDDEN TESTS\n{HIDDEN_LINE}\n"
              "_checks.check_equal('double(-21)', _secret_case, -42)\n### END HIDDEN TESTS\n",
              "double_tests", grade=True, locked=True, points=2),
        nbgrader_cell(f"def half(x):\n    ### BEGIN SOLUTION\n    {half}\n    ### END SOLUTION\n",
              "half_solution", solution=True),
        nbgrader_cell(TEST_HEADER + "_checks.check_equal('half(3)', half(3), 1.5)\n"
              "### BEGIN HIDDEN TESTS\n_checks.check_equal('half(-1)', half(-1), -0.5)\n"
              "### END HIDDEN TESTS\n", "half_tests", grade=True, locked=True, points=1),
    ])


STUDENTS = {
    "alice": _toy_lab(),
    "bob": _toy_lab(double="return x + x"),
    "carol": _toy_lab(double="return 2 * abs(x)", before=CHEATS["patch"]),
    "dave": _toy_lab(half="return x // 2"),
    "eve": _toy_lab(double="return 2 * x if x > 0 else 0", half="return 0.5 * x"),
}


def _course(folder):
    (folder / "labs" / LAB).mkdir(parents=True)
    nbformat.write(_toy_lab(), folder / "labs" / LAB / f"{LAB}.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", folder)
    for student, nb in STUDENTS.items():
        (folder / "submitted" / student / LAB).mkdir(parents=True)
        nbformat.write(nb, folder / "submitted" / student / LAB / f"{LAB}.ipynb")
    release(folder, [LAB])
    return folder


def _results(folder):
    """grades.csv without its timestamp column, every cell's score, and integrity.csv."""
    from nbgrader.api import Gradebook

    with open(folder / "grades.csv", newline="") as f:
        grades = [{k: v for k, v in row.items() if k != "timestamp"} for row in csv.DictReader(f)]
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        cells = {(student, g.name): (g.score, g.max_score, g.needs_manual_grade)
                 for student in STUDENTS
                 for g in gb.find_submission_notebook(LAB, LAB, student).grades}
    executed = sorted(p.relative_to(folder).as_posix() for p in (folder / "autograded").rglob("*.ipynb"))
    return grades, cells, (folder / INTEGRITY_CSV).read_text(), executed


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = _course(tmp_path_factory.mktemp("serial"))
    autograde(folder)
    return folder


def test_parallel_jobs_give_the_serial_gradebook_grades_and_integrity_report(serial, tmp_path):
    grades, cells, integrity, executed = _results(serial)
    assert cells[("alice", "double_tests")] == (2.0, 2.0, False)
    assert cells[("dave", "half_tests")] == (0.0, 1.0, False)
    assert "carol" in integrity and "alice" not in integrity
    parallel = _course(tmp_path)
    autograde(parallel, jobs=3)
    assert _results(parallel) == (grades, cells, integrity, executed)
    assert not (parallel / ".autograde-jobs").exists(), "scratch folders are removed"


def test_machine_shards_merged_give_the_serial_results(serial, tmp_path):
    shards = []
    for k in (1, 2):
        shard = _course(tmp_path / f"machine{k}")
        graded, _ = autograde(shard, shard=(k, 2))
        assert graded == sorted((s, LAB) for s in STUDENTS)[k - 1::2]
        shards.append(shard)
    joined = _course(tmp_path / "joined")
    merge(joined, shards)
    assert _results(joined) == _results(serial)


def test_shard_argument_is_checked():
    assert parse_shard("2/8") == (2, 8)
    for bad in ("0/8", "9/8", "2", "a/b"):
        with pytest.raises(ValueError, match="--shard"):
            parse_shard(bad)


def test_feedback_shows_each_checks_message_and_no_hidden_test(serial):
    pages = feedback(serial)
    assert sorted(p.parent.parent.name for p in pages) == sorted(STUDENTS)
    alice = (serial / "feedback" / "alice" / LAB / f"{LAB}.html").read_text()
    dave = (serial / "feedback" / "dave" / LAB / f"{LAB}.html").read_text()
    carol = (serial / "feedback" / "carol" / LAB / f"{LAB}.html").read_text()
    assert "Score: 3.0 / 3.0" in alice or "3.0 / 3.0" in alice
    assert "half(3): expected 1.5, got 1" in dave, "a failed check's message reaches the student"
    assert "double(-21): expected -42, got 42" in carol, "a failed hidden check's message too"
    for page in (alice, dave, carol):
        assert HIDDEN_LINE not in page and "_secret_case" not in page
        assert "HIDDEN TESTS" not in page
        assert "Cell In[" not in page and "----&gt;" not in page, "no traceback frames quoting tests"
