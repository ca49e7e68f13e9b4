"""Data sets the labs train on: real files shipped in ``data/``, checked before use.

Introduced in lab 01 (CNNs); the TinyML pipeline reuses ``load_mnist``. ``load_co2`` (the
Mauna Loa CO2 record) was introduced in lab 04 (LSTM and GRU).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import NamedTuple

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


def restore_hint(path: Path) -> str:
    """How to get a shipped file back: its path under ``data/``, nested folders included."""
    try:
        name = Path(path).resolve().relative_to(DATA_DIR.resolve()).as_posix()
    except ValueError:  # a file outside the repository's data/ folder
        name = Path(path).name
    return _RESTORE_HINT.format(name=name)


def verify_file(path: Path, expected_sha256: str) -> None:
    """Raise DataFileError naming ``path`` unless it exists and has the expected SHA-256."""
    hint = restore_hint(path)
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


#: The shipped Mauna Loa monthly CO2 record (NOAA GML, public domain; see data/README.md).
CO2_FILE = "co2_mm_mlo.csv"
CO2_SHA256 = "1cf6d8a7b361e70f31a251a5cf93337c1d2e84dd7bfd8393305e73668cc314b8"
CO2_COLUMNS = ("year", "month", "decimal_date", "co2", "quality")
#: NOAA's marker for a month without a monthly mean (its quality flag is then 0).
CO2_MISSING = -99.99


class CO2Record(NamedTuple):
    """The monthly CO2 record, one entry per month, in order, with no month skipped.

    ``ppm`` is NaN for the months NOAA has no mean for; ``np.isnan(record.ppm)`` is the mask.
    """

    year: np.ndarray  # int64
    month: np.ndarray  # int64, 1..12
    ppm: np.ndarray  # float64, mole fraction in dry air, micromol/mol (ppm); NaN where missing


def read_co2_csv(path: str | Path) -> CO2Record:
    """Parse a CSV in the shipped CO2 format (columns ``year,month,decimal_date,co2,quality``).

    Raises DataFileError naming the file and the line (the header is line 1) of the first row
    that cannot be parsed: a wrong number of fields, a value that is not a number, a month
    outside 1..12, or a month that does not follow the previous row's. ``co2 = -99.99`` marks a
    missing month and becomes NaN.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing data file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataFileError(f"{path}: cannot be read as UTF-8 text ({err})") from None
    lines = text.splitlines()
    header = tuple(field.strip() for field in lines[0].split(",")) if lines else ()
    if header != CO2_COLUMNS:
        raise DataFileError(
            f"{path}: line 1: header {','.join(header)!r}, expected {','.join(CO2_COLUMNS)!r}"
        )
    years, months, ppm = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            if any(rest.strip() for rest in lines[number:]):
                raise DataFileError(f"{path}: line {number}: empty line inside the data")
            break
        fields = [field.strip() for field in line.split(",")]
        where = f"{path}: line {number} ({line.strip()!r})"
        if len(fields) != len(CO2_COLUMNS):
            raise DataFileError(f"{where}: {len(fields)} fields, expected {len(CO2_COLUMNS)}")
        try:
            year, month = int(fields[0]), int(fields[1])
            value = float(fields[3])
        except ValueError as err:
            raise DataFileError(f"{where}: cannot be parsed ({err})") from None
        if not 1 <= month <= 12:
            raise DataFileError(f"{where}: month {month} is not in 1..12")
        if years and (year * 12 + month) - (years[-1] * 12 + months[-1]) != 1:
            raise DataFileError(
                f"{where}: {year}-{month:02d} does not follow the previous row's "
                f"{years[-1]}-{months[-1]:02d}"
            )
        if value == CO2_MISSING:
            value = np.nan
        elif not 0 < value < 10_000:
            raise DataFileError(f"{where}: CO2 value {value} is not a plausible ppm")
        years.append(year)
        months.append(month)
        ppm.append(value)
    if not years:
        raise DataFileError(f"{path}: no data rows after the header")
    return CO2Record(np.array(years, dtype=np.int64), np.array(months, dtype=np.int64),
                     np.array(ppm, dtype=np.float64))


def load_co2(data_dir: str | Path | None = None) -> CO2Record:
    """Load the Mauna Loa monthly mean CO2 record, March 1958 to January 2026 (815 months).

    Introduced in lab 04 (LSTM and GRU), which forecasts it. Returns a :class:`CO2Record` of
    three arrays of equal length, ``year``, ``month`` and ``ppm``; the seven months NOAA has no
    mean for are NaN in ``ppm`` (the lab fills them by interpolation and says so).

    The file ``data/co2_mm_mlo.csv`` (or ``$COURSE_DATA_DIR``, or ``data_dir``) is checked
    against its SHA-256 first. If it is missing, DataFileError names it; if its checksum fails,
    the error names the file and, when a row cannot be parsed, that row's line.
    """
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    path = folder / CO2_FILE
    try:
        verify_file(path, CO2_SHA256)
    except DataFileError as corrupt:
        if not path.is_file():
            raise
        try:
            read_co2_csv(path)
        except DataFileError as unparsable:
            raise DataFileError(f"{corrupt}\n{unparsable}") from None
        raise
    return read_co2_csv(path)
