"""How the repository's parts depend on each other and where a setting lives."""

import ast

import pytest

from tests.conftest import REPO


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("path", sorted((REPO / "course_lib").rglob("*.py")), ids=lambda p: p.name)
def test_course_lib_never_imports_the_pipeline(path):
    """`tflite` may use `course_lib`, not the reverse: one direction, no cycle."""
    assert not [name for name in _imports(path) if name.split(".")[0] == "tflite"], (
        f"{path.name} imports tflite; run the pipeline through `python -m tflite` instead")


def test_the_cell_timeout_is_set_in_one_place():
    readers = [p.relative_to(REPO).as_posix() for p in [*REPO.glob("course_lib/*.py"), *REPO.glob("*.py")]
               if "COURSE_CELL_TIMEOUT" in p.read_text() and p.name != "runner.py"]
    assert readers == [], f"{readers} read COURSE_CELL_TIMEOUT; use course_lib.runner.cell_timeout()"


def test_the_lock_pins_every_direct_requirement_at_its_version():
    lock = {line.split("==")[0].split("[")[0].lower(): line.split("==")[1].split()[0]
            for line in (REPO / "requirements.lock").read_text().splitlines() if "==" in line
            and not line.startswith(("#", " "))}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split(";")[0].split("==")  # an environment marker may follow
            assert lock.get(name.strip().lower()) == version.strip(), (
                f"requirements.txt pins {name}=={version.strip()}, requirements.lock has "
                f"{lock.get(name.lower())}; run `make lock`")


def test_ruff_finds_nothing_in_the_code_the_tests_and_the_labs():
    """`make lint` as a gate: eleven more labs copy these files."""
    import subprocess
    import sys
    from pathlib import Path

    ruff = Path(sys.executable).parent / "ruff"
    paths = ["course_lib", "tflite", "tests", "labs", "nbgrader_config.py"]
    result = subprocess.run([str(ruff), "check", *paths], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
