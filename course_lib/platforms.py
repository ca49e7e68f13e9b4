"""Does ``requirements.lock`` install where the README says it does? ``make check-platforms``.

For every (platform, Python) pair the course supports, uv resolves the lock for that target
without installing anything (``uv pip install --dry-run --no-deps --python-platform P
--python-version V``). uv evaluates the lock's environment markers for the target (pip's
``--platform`` does not) and checks that every pin that applies there has a wheel for it.
A pin without one is noted and left out, and the lock is asked again, so the table lists
every pin that is missing, not only the first. It asks the package registry: it needs the
network (or a registry mirror uv is configured for).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"

#: (what the README calls it, uv's --python-platform, environment uv reads for the target).
#: macOS 14 is the oldest macOS with an onnxruntime 1.32 wheel (lab 11); TensorFlow 2.21 has no
#: wheel for Intel Macs at all. Linux needs glibc 2.28 or newer (TensorFlow's wheels: 2.27).
PLATFORMS = [
    ("Linux x86-64", "x86_64-manylinux_2_28", {}),
    ("Linux aarch64", "aarch64-manylinux_2_28", {}),
    ("macOS 14+ arm64", "aarch64-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": "14.0"}),
    ("Windows amd64", "x86_64-pc-windows-msvc", {}),
]
#: Keras 3.15 and NumPy 2.4 need Python 3.11; TensorFlow 2.21 has wheels up to 3.13.
PYTHONS = ["3.11", "3.12", "3.13"]

_NO_WHEEL = re.compile(r"Because ([A-Za-z0-9_.-]+)==(\S+) has no wheels with a matching platform tag")
_NEEDS_PYTHON = re.compile(r"does not satisfy (Python\S+) and ([A-Za-z0-9_.-]+)==(\S+) depends on")
_NO_VERSION = re.compile(r"Because there is no version of ([A-Za-z0-9_.-]+)==(\S+)")


class RegistryUnreachable(RuntimeError):
    """uv could not ask the package registry (no network, or a proxy in the way)."""


def missing_pin(uv_output: str) -> tuple[str, str] | None:
    """The pin uv says cannot be installed, and why, from its error output: (``name==version``,
    reason), or None if uv resolved everything. uv wraps its message to the terminal's width,
    so the text is read with its line breaks made spaces."""
    uv_output = " ".join(uv_output.split())
    if match := _NO_WHEEL.search(uv_output):
        return f"{match[1]}=={match[2]}", "no wheel"
    if match := _NEEDS_PYTHON.search(uv_output):
        return f"{match[2]}=={match[3]}", f"needs {match[1]}"
    if match := _NO_VERSION.search(uv_output):
        return f"{match[1]}=={match[2]}", "not on the registry"
    return None


def without_pin(lock_text: str, pin: str) -> str:
    """The lock without the line of ``pin`` (``name==version``, with or without a marker)."""
    name = pin.split("==")[0].lower()
    kept = [line for line in lock_text.splitlines()
            if not re.match(rf"{re.escape(name)}(\[[^\]]*\])?==", line.lower())]
    return "\n".join(kept) + "\n"


def _uv() -> str:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise FileNotFoundError("uv is not installed: run `make setup` (requirements.txt pins it)")
    return uv


def resolve(lock_text: str, platform: str, python: str, environment: dict[str, str]) -> str:
    """uv's output for a dry-run install of ``lock_text`` on (platform, python)."""
    with tempfile.TemporaryDirectory() as folder:
        lock = Path(folder) / "requirements.lock"
        lock.write_text(lock_text, encoding="utf-8")
        result = subprocess.run(
            [_uv(), "pip", "install", "--dry-run", "--no-deps", "--python", sys.executable,
             "--python-platform", platform, "--python-version", python, "-r", str(lock)],
            capture_output=True, text=True, env={**os.environ, **environment}, timeout=600)
    output = result.stdout + result.stderr
    if result.returncode and re.search(r"dns error|Connect|timed out|Failed to fetch", output):
        raise RegistryUnreachable(output.strip().splitlines()[-1] if output.strip() else "no output")
    if result.returncode and missing_pin(output) is None:
        raise RuntimeError(f"uv could not resolve {LOCK.name} for {platform}, Python {python}:\n{output}")
    return output


def missing_pins(lock_text: str, platform: str, python: str, environment: dict[str, str]) -> list[str]:
    """Every pin of the lock that cannot be installed on (platform, python), with the reason."""
    missing = []
    for _ in range(lock_text.count("==")):
        found = missing_pin(resolve(lock_text, platform, python, environment))
        if found is None:
            return missing
        missing.append(f"{found[0]} ({found[1]})")
        lock_text = without_pin(lock_text, found[0])
    return missing


def platform_table(lock: Path = LOCK, platforms=PLATFORMS, pythons=PYTHONS) -> tuple[str, bool]:
    """A Markdown table of the pins with no build per (platform, Python), and whether every
    pair installs."""
    text = lock.read_text(encoding="utf-8")
    lines = ["| platform | Python | pins with no build there |", "| --- | --- | --- |"]
    everywhere = True
    for name, platform, environment in platforms:
        for python in pythons:
            missing = missing_pins(text, platform, python, environment)
            everywhere &= not missing
            lines.append(f"| {name} | {python} | {', '.join(missing) or 'none'} |")
    return "\n".join(lines), everywhere


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.platforms",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--lock", type=Path, default=LOCK,
                        help="the lock to check (default requirements.lock)")
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        print(f"error: {args.lock}: no such lock file (make lock writes it)", file=sys.stderr)
        return 2
    try:
        table, everywhere = platform_table(args.lock)
    except RegistryUnreachable as err:
        print(f"error: cannot reach the package registry to check {args.lock}: {err}", file=sys.stderr)
        return 2
    print(table)
    if not everywhere:
        print(f"error: {args.lock} does not install everywhere the README says: give the pins above an "
              "environment marker or another version, then `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
