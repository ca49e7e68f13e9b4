"""Numerical self-checks for graded answers, in the style of CS231n.

A check raises ``AssertionError`` whose message says, in words, what was expected
and what was got, so a student knows what to fix. Introduced in lab 01 (CNNs).
"""

from __future__ import annotations

import numpy as np


def rel_error(got, expected) -> float:
    """Largest relative error between two arrays: max |a - b| / max(1e-8, |a| + |b|)."""
    a = np.asarray(got, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def check_array(name: str, got, expected, tol: float = 1e-6) -> None:
    """Check that ``got`` is an array with the shape of ``expected`` and matching values."""
    if got is None:
        raise AssertionError(f"{name}: got None; did you forget to `return` the result?")
    if not isinstance(got, np.ndarray | np.number | list | tuple | int | float) and not hasattr(
        got, "numpy"
    ):
        raise AssertionError(
            f"{name}: expected a NumPy array, got {type(got).__name__} ({got!r:.60})"
        )
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise AssertionError(f"{name}: expected shape {expected.shape}, got {got.shape}")
    if not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        raise AssertionError(f"{name}: expected numbers, got values of dtype {got.dtype}")
    err = rel_error(got, expected)
    if not err <= tol:
        raise AssertionError(
            f"{name}: values differ from the reference (relative error {err:.2e}, "
            f"allowed {tol:.0e})"
        )


def check_equal(name: str, got, expected) -> None:
    """Check an exact answer (an int, a shape tuple, a string) and say both values if wrong."""
    if type(expected) in (int, float) and isinstance(got, np.integer | np.floating):
        got = got.item()
    if isinstance(expected, tuple) and isinstance(got, list):
        got = tuple(got)
    if type(got) is not type(expected) and not (
        isinstance(expected, int | float) and isinstance(got, int | float)
        and not isinstance(got, bool)
    ):
        raise AssertionError(
            f"{name}: expected a {type(expected).__name__} like {expected!r}, "
            f"got a {type(got).__name__}: {got!r}"
        )
    if got != expected:
        raise AssertionError(f"{name}: expected {expected!r}, got {got!r}")
