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
- :func:`upside_down`: the board held upside down (a half turn about an axis in its x-y
  plane), with probability :data:`UPSIDE_DOWN_PROBABILITY`. People hold the board
  differently: in the four-person set (``data/people_gestures``) one of the four holds it
  with z pointing down, and a model trained on the other three without this transform got
  34 % of his recordings right.
- :func:`add_noise`: sensor noise, Gaussian, per channel group (g and deg/s).
- :func:`time_warp` (a faster or slower movement) and :func:`sensor_offsets` (biases of
  another board) are off by default: on the small-data curve and leave-one-person-out
  (``tflite.generalization``) they did not pay.

:func:`augment` chains them with one seeded generator; the same seed gives the same
windows. The defaults are small (shift up to 8 samples, scale 0.85 to 1.15, rotations up
to 10 degrees, noise 0.01 g and 1 deg/s) so a gesture stays that gesture; the half turn
keeps it too, since it turns acceleration and angular rate alike.
"""

from __future__ import annotations

import numpy as np

#: Default augmentation strengths (see :func:`augment`).
MAX_SHIFT = 8
SCALE_RANGE = (0.85, 1.15)
MAX_ROTATION_DEG = 10.0
ACCEL_NOISE_G = 0.01
GYRO_NOISE_DPS = 1.0
SPEED_RANGE = (1.0, 1.0)
ACCEL_OFFSET_G = 0.0
UPSIDE_DOWN_PROBABILITY = 0.5
GYRO_OFFSET_DPS = 0.0


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


def time_warp(windows, speeds) -> np.ndarray:
    """Play each window ``speeds[i]`` times faster (above 1) or slower (below 1), about its
    first sample, keeping its length: linear interpolation at times ``t * speed``; past the
    recorded end the last sample repeats (the hand at rest after the gesture)."""
    x = _check(windows)
    speeds = np.broadcast_to(np.asarray(speeds, dtype=np.float64), (len(x),))
    n_t = x.shape[1]
    t = np.clip(np.arange(n_t)[None, :] * speeds[:, None], 0, n_t - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, n_t - 1)
    frac = (t - lo)[:, :, None].astype(np.float32)
    a = np.take_along_axis(x, lo[:, :, None], axis=1)
    b = np.take_along_axis(x, hi[:, :, None], axis=1)
    return (a + frac * (b - a)).astype(np.float32)


def sensor_offsets(windows, accel_g, gyro_dps) -> np.ndarray:
    """Add a constant bias per window and channel (``accel_g[i]`` (3,) in g, ``gyro_dps[i]``
    (3,) in deg/s): two boards, or one board on two days, do not read zero the same way."""
    x = _check(windows).copy()
    x[..., :3] += np.asarray(accel_g, dtype=np.float32).reshape(len(x), 1, 3)
    x[..., 3:] += np.asarray(gyro_dps, dtype=np.float32).reshape(len(x), 1, 3)
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


def upside_down(n: int, probability: float, rng) -> np.ndarray:
    """``n`` rotation matrices: with ``probability``, a half turn about a random axis in the
    board's x-y plane (the board held upside down, any heading), else the identity."""
    rng = _rng(rng)
    theta = rng.uniform(0, 2 * np.pi, n)
    u = np.stack([np.cos(theta), np.sin(theta), np.zeros(n)], axis=1)
    half_turn = 2 * u[:, :, None] * u[:, None, :] - np.eye(3)[None]  # R = 2 u u^T - I
    flip = rng.random(n) < probability
    return np.where(flip[:, None, None], half_turn, np.eye(3)[None])


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
    speed_range=SPEED_RANGE,
    accel_offset_g: float = ACCEL_OFFSET_G,
    gyro_offset_dps: float = GYRO_OFFSET_DPS,
    upside_down_probability: float = UPSIDE_DOWN_PROBABILITY,
) -> np.ndarray:
    """One augmented copy of every window: shift, scale, rotate (sometimes upside down),
    optionally warp time and add offsets, then noise; seeded.

    ``seed`` is an int or a ``numpy.random.Generator``. Returns float32 of the same shape.
    """
    x = _check(windows)
    rng = _rng(seed)
    n = len(x)
    x = time_shift(x, rng.integers(-max_shift, max_shift + 1, n))
    x = amplitude_scale(x, rng.uniform(scale_range[0], scale_range[1], n))
    rotations = random_rotations(n, max_degrees, rng)
    if upside_down_probability:
        rotations = rotations @ upside_down(n, upside_down_probability, rng)
    x = rotate_frame(x, rotations)
    if tuple(speed_range) != (1.0, 1.0):
        x = time_warp(x, rng.uniform(speed_range[0], speed_range[1], n))
    if accel_offset_g or gyro_offset_dps:
        x = sensor_offsets(x, rng.uniform(-accel_offset_g, accel_offset_g, (n, 3)),
                           rng.uniform(-gyro_offset_dps, gyro_offset_dps, (n, 3)))
    return add_noise(x, rng, accel_noise_g, gyro_noise_dps)
