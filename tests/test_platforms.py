"""`make check-platforms`: the lock installs on every platform and Python the README names."""

import urllib.request

import pytest

from course_lib.platforms import LOCK, PLATFORMS, main, missing_pin, platform_table, without_pin

NO_WHEEL = (
    "error: No solution found when resolving dependencies\n"
    "  cause: Because tflite-micro==0.dev20261023182759 has no wheels with a matching platform tag "
    "(e.g., `macosx_14_0_arm64`) and you require "
    "tflite-micro==0.dev20261023182759, we can conclude that your requirements are unsatisfiable.\n")
NEEDS_PYTHON = (
    "  cause: Because the requested Python version (>=3.10) does not satisfy Python>=3.11 and "
    "numpy==2.4.6 depends on Python>=3.11, we can conclude that numpy==2.4.6 cannot be used.\n")


def _registry_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/uv/", timeout=10):
            return True
    except OSError:
        return False


def test_the_pin_uv_rejects_is_read_from_its_message():
    assert missing_pin(NO_WHEEL) == ("tflite-micro==0.dev20261023182759", "no wheel")
    assert missing_pin(NEEDS_PYTHON) == ("numpy==2.4.6", "needs Python>=3.11")
    assert missing_pin("Resolved 166 packages in 491ms\nWould install 166 packages\n") is None
    wrapped = NO_WHEEL.replace(" has no wheels with a matching", " has no wheels with a\n           matching")
    assert missing_pin(wrapped) == ("tflite-micro==0.dev20261023182759", "no wheel")  # as uv wraps it in CI


def test_a_pin_is_left_out_with_its_marker_and_extras_and_nothing_else():
    lock = ("tensorflow==2.21.0\n    # via -r requirements.txt\ntensorflow-datasets==4.9.10\n"
            "bleach[css]==6.4.0\narray-record==0.8.6 ; sys_platform == 'linux'\n")
    assert without_pin(lock, "tensorflow==2.21.0") == (
        "    # via -r requirements.txt\ntensorflow-datasets==4.9.10\nbleach[css]==6.4.0\n"
        "array-record==0.8.6 ; sys_platform == 'linux'\n")
    assert "bleach" not in without_pin(lock, "bleach==6.4.0")
    assert "array-record" not in without_pin(lock, "array-record==0.8.6")


needs_registry = pytest.mark.skipif(not _registry_reachable(),
                                    reason="the package registry (pypi.org) is not reachable from here")


@needs_registry
def test_the_lock_installs_on_every_platform_and_python(capsys):
    assert main([]) == 0, capsys.readouterr()
    table = capsys.readouterr().out
    for name, _, _ in PLATFORMS:
        for python in ("3.11", "3.12", "3.13"):
            assert f"| {name} | {python} | none |" in table, table


@needs_registry
def test_a_pin_without_a_wheel_or_a_marker_is_named_for_each_platform_it_misses(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK.read_text(encoding="utf-8").replace(
        "tflite-micro==0.dev20261023182759 ; platform_machine == 'x86_64' and sys_platform == 'linux'",
        "tflite-micro==0.dev20261023182759"), encoding="utf-8")
    table, everywhere = platform_table(lock, platforms=PLATFORMS[1:3], pythons=["3.12"])
    assert not everywhere
    assert "| Linux aarch64 | 3.12 | tflite-micro==0.dev20261023182759 (no wheel) |" in table, table
    assert "| macOS 14+ arm64 | 3.12 | tflite-micro==0.dev20261023182759 (no wheel) |" in table, table
    assert main(["--lock", str(tmp_path / "missing.lock")]) == 2
