"""Grading that a submission's own code cannot escape: the attacks of a student with bad
intentions, graded by ``make autograde`` on real labs in the sandbox (course_lib.sandbox).

For each of two labs one autograde run grades four submissions:

- alice, the solution, and bob, some exercises answered another way (as in test_grading.py);
- mallory, whose every answer cell reads the instructor's source notebook and runs the
  solution cell with the same grade_id (without the sandbox this scores full marks: see
  ``test_without_the_sandbox_the_attack_works_and_every_line_says_so``);
- trudy, whose answer cells write to the source notebook, another student's submission, their
  graded copy and the gradebook; connect to a port the test listens on; allocate twice the
  memory cap; start a thousand processes; and print without end (last: the grader then stops
  the kernel).

Each attacker scores 0 for every exercise, the files they aimed at keep their SHA-256, alice
and bob get exactly their marks, and grades.csv holds both attackers for review.
"""

import csv
import hashlib
import shutil
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest

from course_lib.grading import autograde, main, release
from course_lib.sandbox.limits import limits_from_environment
from tests.conftest import REPO
from tests.lab_expectations import ANSWERS
from tests.test_grading import _errors, _integrity, _scores, _set_solution, _submit

pytestmark = pytest.mark.slow
ATTACKED_LABS = ["01_cnn", "03_rnn"]

READ_THE_SOLUTION = '''\
import json, pathlib
_here = pathlib.Path.cwd()
_root = next((p for p in [_here, *_here.parents] if (p / "nbgrader_config.py").exists()), _here.parents[2])
_source = json.loads((_root / "labs" / "{lab}" / "{lab}.ipynb").read_text())
for _cell in _source["cells"]:
    if _cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "{grade_id}":
        get_ipython().run_cell("".join(_cell["source"]))
'''

WRITE_EVERYWHERE = '''\
import pathlib, sqlite3
_root = pathlib.Path.cwd().parents[2]
_targets = [_root / "labs" / "{lab}" / "{lab}.ipynb", _root / "submitted" / "alice" / "{lab}" / "{lab}.ipynb",
            _root / "autograded" / "alice" / "{lab}" / "{lab}.ipynb"]
for _path in _targets:
    try:
        _path.write_text("{{}}")
        print("overwrote", _path)
    except OSError as _err:
        print("could not write", _path, _err)
try:
    _db = sqlite3.connect(_root / "gradebook.db")
    _db.execute("update grade set manual_score = 0")
    _db.commit()
    print("zeroed the gradebook")
except sqlite3.Error as _err:
    print("could not open the gradebook", _err)
'''

CONNECT = '''\
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"the hidden tests")
    print("sent")
except OSError as _err:
    print("no network", _err)
'''

ALLOCATE = "_hog = bytearray({size})\n_hog[::4096] = b'x' * len(_hog[::4096])\n"

FORK = '''\
import subprocess
_children = []
try:
    for _ in range(1000):
        _children.append(subprocess.Popen(["sleep", "60"]))
finally:  # so that the next attack still runs
    print(len(_children), "processes started")
    for _child in _children:
        _child.kill()
        _child.wait()
'''

PRINT_FOREVER = "while True:\n    print('x' * 10000)\n"


def _solution_ids(nb):
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    return server


def _attackers(lab, read, port):
    mallory = read("release")
    for gid in _solution_ids(mallory):
        _set_solution(mallory, gid, READ_THE_SOLUTION.format(lab=lab, grade_id=gid))
    trudy = read("release")
    memory = limits_from_environment().memory
    attacks = [WRITE_EVERYWHERE.format(lab=lab), CONNECT.format(port=port),
               ALLOCATE.format(size=2 * memory), FORK, PRINT_FOREVER]
    for gid, attack in zip(_solution_ids(trudy), attacks, strict=False):
        _set_solution(trudy, gid, attack)
    return mallory, trudy


@pytest.fixture(scope="module", params=ATTACKED_LABS)
def attacked(request):
    lab = request.param
    root = Path(tempfile.mkdtemp(prefix=f"course-attack-{lab}-"))
    request.addfinalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    shutil.copytree(REPO / "labs" / lab, root / "labs" / lab)
    shutil.copy(REPO / "nbgrader_config.py", root)
    release(root, [lab])

    def read(folder="labs"):
        return nbformat.read(root / folder / lab / f"{lab}.ipynb", as_version=4)

    _submit(root, "alice", lab, read())
    bob = read("release")
    for answer in ANSWERS[lab]["alternative"]:
        _set_solution(bob, answer["solution"], answer["source"])
    _submit(root, "bob", lab, bob)
    server = _listener()
    request.addfinalizer(server.close)
    mallory, trudy = _attackers(lab, read, server.getsockname()[1])
    _submit(root, "mallory", lab, mallory)
    _submit(root, "trudy", lab, trudy)
    targets = [root / "labs" / lab / f"{lab}.ipynb", root / "release" / lab / f"{lab}.ipynb",
               *sorted((root / "submitted").rglob("*.ipynb"))]
    before = {path: _sha256(path) for path in targets}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PYTEST_CURRENT_TEST", raising=False)
        mp.delenv("SANDBOX", raising=False)
        graded, problems = autograde(root)
    try:
        connection = server.accept()[0]
        connection.close()
        connected = True
    except BlockingIOError:
        connected = False
    with open(root / "grades.csv", newline="") as f:
        grades = {row["student_id"]: row for row in csv.DictReader(f)}
    return {"lab": lab, "root": root, "graded": graded, "problems": problems, "before": before,
            "connected": connected, "grades": grades, "bob": bob}


def test_each_attacker_scores_zero_for_every_exercise(attacked):
    for student in ("mallory", "trudy"):
        scores = _scores(attacked["root"], attacked["lab"], student)
        assert scores and all(score == 0 for score, _ in scores.values()), (student, scores)


def test_the_solutions_other_submissions_and_gradebook_are_untouched(attacked):
    after = {path: _sha256(path) for path in attacked["before"]}
    assert after == attacked["before"]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{attacked['root'] / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(attacked["lab"], attacked["lab"], "alice")
        assert all(grade.manual_score is None for grade in notebook.grades)


def test_the_other_students_are_graded_as_without_the_attackers(attacked):
    lab, root = attacked["lab"], attacked["root"]
    assert sorted(attacked["graded"]) == [(s, lab) for s in ("alice", "bob", "mallory", "trudy")]
    alice = _scores(root, lab, "alice")
    assert all(score == top for score, top in alice.values()), alice
    executed = nbformat.read(root / "autograded" / "alice" / lab / f"{lab}.ipynb", 4)
    assert _errors(executed) == []
    answered = {a["solution"] for a in ANSWERS[lab]["alternative"]}
    ids = [c.metadata.get("nbgrader", {}) for c in attacked["bob"].cells]
    expected_full = set()
    for i, meta in enumerate(ids):
        if meta.get("grade_id") in answered:
            expected_full.add(next(m["grade_id"] for m in ids[i + 1:] if m.get("grade")))
    for name, (score, top) in _scores(root, lab, "bob").items():
        assert score == (top if name in expected_full else 0), (name, score, top)


def test_the_network_is_out_of_reach(attacked):
    assert not attacked["connected"], "a graded kernel reached a port on the grader's loopback"


def test_integrity_report_names_each_attack(attacked):
    rows = _integrity(attacked["root"])
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student_id"], []).append(row["problem"])
    assert set(by_student) == {"mallory", "trudy"}, by_student
    lab = attacked["lab"]
    source = str((attacked["root"] / "labs" / lab / f"{lab}.ipynb").resolve())
    assert f"blocked file access: opens {source}" in by_student["mallory"]
    trudy = "\n".join(by_student["trudy"])
    assert f"blocked file access: writes {source}" in trudy
    assert "submitted/alice" in trudy and "gradebook.db" in trudy
    for kind in ("network connection", "memory limit", "output limit", "process limit"):
        assert f"\n{kind}: " in f"\n{trudy}", f"no {kind} finding for trudy: {trudy}"


def test_grades_csv_holds_the_attackers_for_review(attacked):
    grades = attacked["grades"]
    assert grades["alice"]["review"] == "" and grades["bob"]["review"] == ""
    assert "blocked file access" in grades["mallory"]["review"]
    for reason in ("blocked file access", "memory limit", "output limit", "process limit"):
        assert reason in grades["trudy"]["review"], grades["trudy"]["review"]


def test_endless_output_is_capped(attacked):
    lab = attacked["lab"]
    executed = attacked["root"] / "autograded" / "trudy" / lab / f"{lab}.ipynb"
    assert executed.stat().st_size < limits_from_environment().output + (2 << 20)


# --- The same attack on a toy lab, with and without the sandbox: the attack is real. ------------

TOY = "00_toy"


def _toy_course(folder: Path):
    from tests.test_grading_scale import _toy_lab

    (folder / "labs" / TOY).mkdir(parents=True)
    nbformat.write(_toy_lab(), folder / "labs" / TOY / f"{TOY}.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", folder)
    release(folder, [TOY])
    mallory = nbformat.read(folder / "release" / TOY / f"{TOY}.ipynb", as_version=4)
    for gid in _solution_ids(mallory):
        _set_solution(mallory, gid, READ_THE_SOLUTION.format(lab=TOY, grade_id=gid))
    _submit(folder, "mallory", TOY, mallory)
    return folder


def test_without_the_sandbox_the_attack_works_and_every_line_says_so(tmp_path, monkeypatch, capsys):
    root = _toy_course(tmp_path / "unsandboxed")
    monkeypatch.setenv("SANDBOX", "none")
    assert main(["autograde", "--root", str(root)]) == 0
    scores = _scores(root, TOY, "mallory")
    assert all(score == top > 0 for score, top in scores.values()), scores
    printed = capsys.readouterr()
    lines = [line for line in (printed.out + printed.err).splitlines() if line.strip()]
    assert lines and all("UNSANDBOXED" in line for line in lines), lines
    problems = [row["problem"] for row in _integrity(root)]
    assert any(p.startswith("graded without a sandbox (SANDBOX=none)") for p in problems), problems

    sandboxed = _toy_course(tmp_path / "sandboxed")
    monkeypatch.delenv("SANDBOX")
    assert main(["autograde", "--root", str(sandboxed)]) == 0
    assert all(score == 0 for score, _ in _scores(sandboxed, TOY, "mallory").values())
    assert "UNSANDBOXED" not in capsys.readouterr().out


def test_no_sandbox_stops_grading_with_the_way_out(tmp_path, monkeypatch, capsys):
    root = _toy_course(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bwrap-here"))
    assert main(["autograde", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "bwrap, which is not installed" in err and "apt-get install bubblewrap" in err
    assert "SANDBOX=none" in err
    assert not (root / "autograded").exists() and not (root / "grades.csv").exists()


def test_an_unknown_sandbox_is_refused(tmp_path, monkeypatch, capsys):
    root = _toy_course(tmp_path)
    monkeypatch.setenv("SANDBOX", "docker")
    assert main(["autograde", "--root", str(root)]) == 2
    assert "SANDBOX='docker': expected one of bwrap, none" in capsys.readouterr().err
