import numpy as np
import pytest

from course_lib.checks import check_array, check_equal, rel_error


def test_rel_error_is_zero_for_equal_and_positive_otherwise():
    a = np.arange(6.0).reshape(2, 3)
    assert rel_error(a, a) == 0.0
    assert rel_error(a, a + 1e-3) > 0


def test_check_array_accepts_the_reference():
    check_array("out", np.ones((2, 2)), np.ones((2, 2)))
    check_array("scale", 0.5, np.float32(0.5))
    with pytest.raises(AssertionError, match=r"scale: expected shape \(\), got \(1,\)"):
        check_array("scale", [0.5], 0.5)


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (np.ones((28, 28)), r"out: expected shape \(26, 26\), got \(28, 28\)"),
        (None, "out: got None; did you forget to `return`"),
        ("abc", "out: expected a NumPy array, got str"),
        (np.full((26, 26), 2.0), "out: values differ from the reference"),
        (np.full((26, 26), "x"), "out: expected numbers, got values of dtype"),
    ],
)
def test_check_array_says_what_is_wrong(got, message):
    with pytest.raises(AssertionError, match=message):
        check_array("out", got, np.ones((26, 26)))


def test_check_equal():
    check_equal("n", np.int64(26), 26)
    check_equal("shape", [1, 2], (1, 2))
    with pytest.raises(AssertionError, match="n: expected 26, got 27"):
        check_equal("n", 27, 26)
    with pytest.raises(AssertionError, match="n: expected a int like 26, got a str: '26'"):
        check_equal("n", "26", 26)
