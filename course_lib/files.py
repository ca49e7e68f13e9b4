"""Writing files so that a failure never leaves half a file, and their SHA-256.

Used by the course's tooling (``make bench``, ``make autograde``), the data loaders and the
``tflite/`` pipeline: one implementation of each.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a hidden temporary file beside ``path``, then rename it into place."""
    write_bytes_atomically(path, text.encode())


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a hidden temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes as 64 hex digits, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lab_output_dir(name: str) -> Path:
    """The folder a lab writes its exported files to (models, C arrays), created if needed.

    ``build/<name>/`` in the course repository when the notebook runs from ``labs/`` (``make
    run``, the tests: nothing is ever written into ``labs/``); otherwise ``<name>/`` beside the
    running notebook: a student's ``workspace/<lab>/``, or a submission's graded copy in
    ``autograded/<student>/<lab>/``, so graders running in parallel never share a folder.
    Introduced in lab 12 (TinyML); lab 11 uses it too.
    """
    repo = Path(__file__).resolve().parent.parent
    here = Path.cwd().resolve()
    labs = (repo / "labs").resolve()
    folder = repo / "build" / name if here == labs or labs in here.parents else here / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
