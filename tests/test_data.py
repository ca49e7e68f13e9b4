import gzip
import shutil

import numpy as np
import pytest

from course_lib.data import (
    DATA_DIR,
    MNIST_FILES,
    DataFileError,
    load_mnist,
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
