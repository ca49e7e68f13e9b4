"""Augmentation of IMU gesture windows: time shift, amplitude scale, sensor-frame rotation, noise.

Introduced for the TinyML pipeline's ``gestures`` example (lab 12's ``python -m tflite build
--example gestures``), because a user's own recordings are few (about 20 per gesture) and
one person's. Each transform models a real difference between two recordings of the same
gesture, and works on raw windows ``(N, 119, 6)`` in sensor units (``aX, aY, aZ`` in g,
``gX, gY, gZ`` in deg/s), before normalization:

- :func:`time_shift`: the trigger fires a few samples earlier or later (the threshold is
  crossed at a different moment of the motion). The window keeps its 119 samples: it is
  moved by ``s`` samples and the vacated end is filled with the edge sample (the hand at
  rest before or after the gesture).
- :func:`amplitude_scale`: a larger or smaller, faster or slower movement. Only the
  motion is scaled: acceleration about its at-rest value (the window's first sample, where
  gravity dominates) and angular rate about zero, so gravity keeps its 1 g.
- :func:`rotate_frame`: the board sits a few degrees differently in the hand. One random
  rotation matrix per window turns acceleration *and* angular rate (both are vectors in
  the board's frame; the same matrix for both, so they stay consistent), preserving every
  vector's length.
- :func:`add_noise`: sensor noise, Gaussian, per channel group (g and deg/s).

:func:`augment` chains all four with one seeded generator; the same seed gives the same
windows. The defaults are small (shift up to 8 samples, scale 0.85 to 1.15, rotations up
to 10 degrees, noise 0.01 g and 1 deg/s) so a gesture stays that gesture.
"""

from __future__ import annotations

import numpy as np

#: Default augmentation strengths (see :func:`augment`).
MAX_SHIFT = 8
SCALE_RANGE = (0.85, 1.15)
MAX_ROTATION_DEG = 10.0
ACCEL_NOISE_G = 0.01
GYRO_NOISE_DPS = 1.0


def _rng(seed_or_rng):
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)


def _check(windows) -> np.ndarray:
    x = np.asarray(windows, dtype=np.float32)
    if x.ndim != 3 or x.shape[2] != 6:
        raise ValueError(f"expected windows of shape (N, T, 6), got {x.shape}")
    return x


def time_shift(windows, shifts) -> np.ndarray:
    """Move each window by ``shifts[i]`` samples (positive: later), keeping its length.

    The samples that leave the window are dropped; the vacated ones repeat the edge sample.
    """
    x = _check(windows)
    shifts = np.broadcast_to(np.asarray(shifts, dtype=int), (len(x),))
    n_t = x.shape[1]
    idx = np.clip(np.arange(n_t)[None, :] - shifts[:, None], 0, n_t - 1)
    return np.take_along_axis(x, idx[:, :, None], axis=1)


def amplitude_scale(windows, factors) -> np.ndarray:
    """Scale the motion of each window by ``factors[i]``: acceleration about its first
    sample (the hand at rest, gravity), angular rate about zero."""
    x = _check(windows).copy()
    f = np.broadcast_to(np.asarray(factors, dtype=np.float32), (len(x),))[:, None, None]
    rest = x[:, :1, :3]
    x[..., :3] = rest + f * (x[..., :3] - rest)
    x[..., 3:] = f * x[..., 3:]
    return x


def random_rotations(n: int, max_degrees: float, rng) -> np.ndarray:
    """``n`` rotation matrices ``(n, 3, 3)``: uniformly random axes, angles up to ``max_degrees``."""
    rng = _rng(rng)
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    angle = np.radians(rng.uniform(-max_degrees, max_degrees, n))
    k = np.zeros((n, 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k -= np.transpose(k, (0, 2, 1))
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3)[None] + s * k + (1 - c) * (k @ k)  # Rodrigues


def rotate_frame(windows, rotations) -> np.ndarray:
    """Turn the sensor frame of each window by ``rotations[i]`` (3 x 3): the same matrix for
    acceleration and angular rate."""
    x = _check(windows)
    r = np.asarray(rotations, dtype=np.float64)
    if r.ndim == 2:
        r = np.broadcast_to(r, (len(x), 3, 3))
    acc = np.einsum("nij,ntj->nti", r, x[..., :3].astype(np.float64))
    gyr = np.einsum("nij,ntj->nti", r, x[..., 3:].astype(np.float64))
    return np.concatenate([acc, gyr], axis=2).astype(np.float32)


def add_noise(windows, rng, accel_g: float = ACCEL_NOISE_G, gyro_dps: float = GYRO_NOISE_DPS):
    """Add Gaussian sensor noise: ``accel_g`` (g) on aX..aZ, ``gyro_dps`` (deg/s) on gX..gZ."""
    x = _check(windows)
    rng = _rng(rng)
    sd = np.array([accel_g] * 3 + [gyro_dps] * 3, dtype=np.float32)
    return (x + rng.normal(size=x.shape).astype(np.float32) * sd).astype(np.float32)


def augment(
    windows,
    seed=0,
    max_shift: int = MAX_SHIFT,
    scale_range=SCALE_RANGE,
    max_degrees: float = MAX_ROTATION_DEG,
    accel_noise_g: float = ACCEL_NOISE_G,
    gyro_noise_dps: float = GYRO_NOISE_DPS,
) -> np.ndarray:
    """One augmented copy of every window: shift, scale, rotate, then noise; seeded.

    ``seed`` is an int or a ``numpy.random.Generator``. Returns float32 of the same shape.
    """
    x = _check(windows)
    rng = _rng(seed)
    n = len(x)
    x = time_shift(x, rng.integers(-max_shift, max_shift + 1, n))
    x = amplitude_scale(x, rng.uniform(scale_range[0], scale_range[1], n))
    x = rotate_frame(x, random_rotations(n, max_degrees, rng))
    return add_noise(x, rng, accel_noise_g, gyro_noise_dps)
