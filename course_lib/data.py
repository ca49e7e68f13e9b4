"""Data sets the labs train on: real files shipped in ``data/``, checked before use.

Introduced in lab 01 (CNNs); the TinyML pipeline reuses ``load_mnist``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from course_lib.files import sha256_file

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The shipped MNIST files (the official 10,000-image test set) and their SHA-256.
MNIST_FILES = {
    "t10k-images-idx3-ubyte.gz": "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
    "t10k-labels-idx1-ubyte.gz": "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
}

#: The fixed split of the shipped images: the first 8,000 train, the last 2,000 are held out.
MNIST_TRAIN_SIZE = 8000
MNIST_TEST_SIZE = 2000

_IDX_MAGIC = {2049: 1, 2051: 3}  # labels: 1 dimension, images: 3 dimensions
_RESTORE_HINT = "restore it with `git checkout -- data/{name}` (or clone the repository again)"


class DataFileError(Exception):
    """A data file is missing, corrupt or not in the expected format."""


def default_data_dir() -> Path:
    """The folder holding shipped data: ``$COURSE_DATA_DIR`` if set, else the repository's ``data/``."""
    return Path(os.environ.get("COURSE_DATA_DIR", DATA_DIR))


def verify_file(path: Path, expected_sha256: str) -> None:
    """Raise DataFileError naming ``path`` unless it exists and has the expected SHA-256."""
    hint = _RESTORE_HINT.format(name=path.name)
    if not path.is_file():
        raise DataFileError(f"{path}: missing data file; {hint}")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise DataFileError(
            f"{path}: corrupt data file (SHA-256 {actual[:16]}..., expected "
            f"{expected_sha256[:16]}..., size {path.stat().st_size} bytes); {hint}"
        )


def read_idx(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file (the MNIST format) into a uint8 array.

    The header is big-endian: a magic number (2049 labels, 2051 images), then one
    32-bit size per dimension, then the raw uint8 values.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing data file") from None
    except (OSError, EOFError) as err:
        raise DataFileError(f"{path}: not a complete gzip file ({err})") from None
    if len(raw) < 8:
        raise DataFileError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in _IDX_MAGIC:
        raise DataFileError(f"{path}: IDX magic number {magic}, expected 2049 or 2051")
    ndim = _IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataFileError(
            f"{path}: header promises {expected} values of shape {shape}, "
            f"file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(source: str = "shipped", data_dir: str | Path | None = None, tfds_dir=None):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28), labels (N,).

    ``source="shipped"`` (default, offline): the 10,000 real MNIST test images shipped in
    ``data/`` (checked against their SHA-256), split once and for all: the first 8,000
    train, the last 2,000 are held out for testing.

    ``source="tfds"``: the full 70,000 images (60,000 train, 10,000 test) through
    tensorflow-datasets, downloaded once into ``tfds_dir`` (default ``~/tensorflow_datasets``)
    and verified by tfds' own checksums. Needs network the first time.
    """
    if source == "shipped":
        folder = Path(data_dir) if data_dir is not None else default_data_dir()
        for name, digest in MNIST_FILES.items():
            verify_file(folder / name, digest)
        images = read_idx(folder / "t10k-images-idx3-ubyte.gz")
        labels = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
        if len(images) != len(labels):
            raise DataFileError(f"{folder}: {len(images)} images but {len(labels)} labels")
        n = MNIST_TRAIN_SIZE
        return (images[:n], labels[:n]), (images[n:], labels[n:])
    if source == "tfds":
        return _load_mnist_tfds(tfds_dir)
    raise ValueError(f"load_mnist: unknown source {source!r}; use 'shipped' or 'tfds'")


def _load_mnist_tfds(tfds_dir):
    import tensorflow_datasets as tfds

    splits = tfds.load(
        "mnist",
        split=["train", "test"],
        data_dir=None if tfds_dir is None else str(tfds_dir),
        as_supervised=True,
    )
    result = []
    for split in splits:
        batches = list(tfds.as_numpy(split.batch(10_000)))
        images = np.concatenate([b[0] for b in batches]).reshape(-1, 28, 28)
        labels = np.concatenate([b[1] for b in batches])
        result.append((images.astype(np.uint8), labels.astype(np.uint8)))
    return tuple(result)
