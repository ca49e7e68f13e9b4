"""The shipped Shakespeare corpus: loaded offline, checked, and refused with the file named."""

import shutil

import pytest

from course_lib.corpus import SHAKESPEARE_FILE, load_shakespeare
from course_lib.data import DataFileError
from tests.conftest import REPO


def test_the_corpus_loads_with_its_known_size_and_alphabet():
    text = load_shakespeare()
    assert len(text) == 1_115_394
    assert len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_a_missing_corpus_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(DataFileError, match=rf"{tmp_path}/{SHAKESPEARE_FILE}: missing data file"):
        load_shakespeare(tmp_path)


def test_a_corrupted_corpus_is_an_error_naming_the_file(tmp_path):
    shutil.copy(REPO / "data" / SHAKESPEARE_FILE, tmp_path)
    with open(tmp_path / SHAKESPEARE_FILE, "a") as f:
        f.write("An extra line.\n")
    with pytest.raises(DataFileError, match=rf"{tmp_path}/{SHAKESPEARE_FILE}: corrupt data file"):
        load_shakespeare(tmp_path)
