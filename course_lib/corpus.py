"""The tiny Shakespeare corpus, shipped in ``data/`` and checked before use.

Introduced in lab 05 (neural language models); lab 06 (embeddings) reads the same text.
About 40,000 lines of Shakespeare's plays (1,115,394 characters, 65 distinct), the corpus
of Karpathy's char-rnn work; public-domain text (see ``data/README.md``).
"""

from __future__ import annotations

from pathlib import Path

from course_lib.data import DataFileError, default_data_dir, verify_file

SHAKESPEARE_FILE = "tinyshakespeare.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def load_shakespeare(data_dir: str | Path | None = None) -> str:
    """The whole corpus as one string, after checking the file's SHA-256.

    Raises :class:`~course_lib.data.DataFileError` naming the file if it is missing,
    corrupt (its checksum differs) or not UTF-8 text.
    """
    path = (Path(data_dir) if data_dir is not None else default_data_dir()) / SHAKESPEARE_FILE
    verify_file(path, SHAKESPEARE_SHA256)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:  # pragma: no cover - the checksum rules this out
        raise DataFileError(f"{path}: not UTF-8 text ({err})") from None
