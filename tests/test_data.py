import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_lib.data import (
    CO2_FILE,
    DATA_DIR,
    MNIST_FILES,
    DataFileError,
    load_co2,
    load_mnist,
    read_co2_csv,
    read_idx,
)

IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"


@pytest.fixture
def data_copy(tmp_path):
    for name in MNIST_FILES:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_shipped_split_is_fixed_and_real():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    # Facts from the data's provenance note: first labels, counts per digit, mean pixel.
    assert list(y_train[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    counts = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    assert list(counts) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    mean = np.concatenate([x_train, x_test]).mean()
    assert abs(mean - 33.79) < 0.01


def test_missing_file_names_it_and_how_to_restore(data_copy):
    (data_copy / LABELS).unlink()
    with pytest.raises(DataFileError, match=rf"{LABELS}: missing data file.*git checkout"):
        load_mnist(data_dir=data_copy)


def test_truncated_gzip_is_reported_as_corrupt(data_copy):
    path = data_copy / IMAGES
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(DataFileError, match=rf"{IMAGES}: corrupt data file.*SHA-256"):
        load_mnist(data_dir=data_copy)
    with pytest.raises(DataFileError, match=rf"{IMAGES}: not a complete gzip file"):
        read_idx(path)


def test_idx_header_is_checked(tmp_path):
    bad_magic = tmp_path / "bad.gz"
    bad_magic.write_bytes(gzip.compress((1234).to_bytes(4, "big") + bytes(8)))
    with pytest.raises(DataFileError, match="bad.gz: IDX magic number 1234"):
        read_idx(bad_magic)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress((2049).to_bytes(4, "big") + (5).to_bytes(4, "big") + b"ab"))
    with pytest.raises(DataFileError, match=r"short.gz: header promises 5 values"):
        read_idx(short)


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown source 'kaggle'"):
        load_mnist(source="kaggle")


def test_tfds_source_loads_both_splits_offline(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        (x_train, y_train), (x_test, y_test) = load_mnist(source="tfds", tfds_dir=tmp_path)
    assert x_train.shape == (12, 28, 28) and x_test.shape == (12, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.max() < 10 and y_test.shape == (12,)


# The Mauna Loa CO2 record (lab 04).


@pytest.fixture
def co2_copy(tmp_path):
    shutil.copy(DATA_DIR / CO2_FILE, tmp_path / CO2_FILE)
    return tmp_path


def _edit_co2_line(folder, number, new_line):
    """Replace line ``number`` (the header is line 1) of the CO2 copy, keeping its CRLF endings."""
    path = folder / CO2_FILE
    lines = path.read_bytes().split(b"\r\n")
    lines[number - 1] = new_line.encode()
    path.write_bytes(b"\r\n".join(lines))
    return path


def test_co2_record_is_complete_and_real():
    record = load_co2()
    assert len(record.year) == len(record.month) == len(record.ppm) == 815
    assert (record.year[0], record.month[0]) == (1958, 3)
    assert (record.year[-1], record.month[-1]) == (2026, 1)
    months = record.year * 12 + record.month
    assert np.all(np.diff(months) == 1), "one row per month, none skipped"
    gaps = np.isnan(record.ppm)
    missing = [(int(y), int(m)) for y, m in zip(record.year[gaps], record.month[gaps], strict=True)]
    assert missing == [(1958, 6), (1958, 10), (1964, 2), (1964, 3), (1964, 4), (1975, 12), (1984, 4)]
    assert record.ppm[0] == 315.7 and record.ppm[1] == 317.45  # the file's first rows
    assert 300 < np.nanmin(record.ppm) and np.nanmax(record.ppm) < 440


def test_co2_reads_from_course_data_dir(co2_copy, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(co2_copy))
    _edit_co2_line(co2_copy, 2, "1958,3,1958.2027,999.0,1")  # changes the checksum
    with pytest.raises(DataFileError, match=rf"{co2_copy}.*{CO2_FILE}: corrupt data file"):
        load_co2()


def test_co2_missing_file_names_it_and_how_to_restore(tmp_path):
    with pytest.raises(DataFileError, match=rf"{CO2_FILE}: missing data file.*git checkout"):
        load_co2(data_dir=tmp_path)


def test_co2_corrupt_file_fails_its_checksum(co2_copy):
    _edit_co2_line(co2_copy, 10, "1958,11,1958.874,313.34,1")  # a plausible but wrong value
    with pytest.raises(DataFileError, match=rf"{CO2_FILE}: corrupt data file.*SHA-256") as err:
        load_co2(data_dir=co2_copy)
    assert "line" not in str(err.value), "every row still parses: only the checksum fails"


def test_co2_unparsable_row_names_the_file_and_its_line(co2_copy):
    _edit_co2_line(co2_copy, 17, "1959,6,1959.4548,31x.2,1")
    with pytest.raises(DataFileError) as err:
        load_co2(data_dir=co2_copy)
    message = str(err.value)
    assert "corrupt data file" in message and f"{CO2_FILE}: line 17" in message
    assert "31x.2" in message
    with pytest.raises(DataFileError, match=rf"{CO2_FILE}: line 17 .*cannot be parsed"):
        read_co2_csv(co2_copy / CO2_FILE)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("1959,6,1959.4548,318.2", "4 fields, expected 5"),
        ("1959,13,1959.4548,318.2,1", "month 13 is not in 1..12"),
        ("1959,7,1959.4548,318.2,1", "1959-07 does not follow the previous row's 1959-05"),
        ("1959,6,1959.4548,-5,1", "not a plausible ppm"),
    ],
)
def test_co2_rows_are_checked(co2_copy, line, problem):
    path = _edit_co2_line(co2_copy, 17, line)
    with pytest.raises(DataFileError, match=rf"{CO2_FILE}: line 17 .*{problem}"):
        read_co2_csv(path)


def test_co2_header_is_checked(co2_copy):
    path = _edit_co2_line(co2_copy, 1, "year,month,co2")
    with pytest.raises(DataFileError, match=rf"{CO2_FILE}: line 1: header"):
        read_co2_csv(path)


def test_the_restore_hint_names_nested_data_paths():
    from course_lib.data import DATA_DIR, restore_hint

    nested = DATA_DIR / "nano33_gestures" / "punch.csv"
    assert "git checkout -- data/nano33_gestures/punch.csv" in restore_hint(nested)
    assert "git checkout -- data/mnist_shipped.npz" in restore_hint(DATA_DIR / "mnist_shipped.npz")
    assert "data/elsewhere.csv" in restore_hint(Path("/tmp/somewhere/elsewhere.csv"))
