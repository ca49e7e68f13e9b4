"""A generator of IMU gestures for the Arduino Nano 33 BLE Sense, deterministic by seed.

Introduced in lab 12 (TinyML). The TinyML pipeline (``python -m tflite build --example
gestures``) trains its gesture classifier on these windows unless given recorded ones.
Windows follow the capture format of :mod:`course_lib.imu_capture` (119 samples of
``aX, aY, aZ, gX, gY, gZ``, starting where :func:`~course_lib.imu_capture.trigger_index`
fires); :mod:`course_lib.imu_normalization` normalizes them.

The generator simulates the physics: the board's orientation (a rotation about one body
axis, through a pivot such as the elbow), its translational acceleration, gravity as the
accelerometer sees it in the rotating body frame, centripetal and tangential acceleration
of a board held away from the pivot, and per-person variation (speed, size, how the board
is held, direction) plus sensor noise and bias. Everything is deterministic by ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course_lib.imu_capture import (
    ACCEL_RANGE_G,
    GYRO_RANGE_DPS,
    SAMPLE_RATE_HZ,
    WINDOW,
    trigger_index,
)

#: Gesture classes the generator knows, in label order. Two pairs are confusable on
#: purpose: a ``push`` is a slower, longer ``punch`` without the forearm's twist, and a
#: ``swipe`` is a ``wave`` with a single, wider swing.
GESTURES = ("punch", "flex", "wave", "circle", "push", "swipe")

_G = 9.80665  # m/s^2 per g


def _min_jerk(tau):
    """Position, velocity, acceleration of the minimum-jerk profile 0 -> 1 over tau in [0, 1]."""
    tau = np.clip(tau, 0.0, 1.0)
    pos = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
    vel = 30 * tau**2 - 60 * tau**3 + 30 * tau**4
    acc = 60 * tau - 180 * tau**2 + 120 * tau**3
    return pos, vel, acc


def _rotation(axis, angle):
    """Rotation matrices (T, 3, 3) about a unit ``axis`` by ``angle`` (T,) radians (Rodrigues)."""
    u = np.asarray(axis, dtype=np.float64)
    k = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    a = np.asarray(angle, dtype=np.float64)[:, None, None]
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)


def _euler(roll, pitch, yaw):
    """World-from-body rotation for roll (x), pitch (y), yaw (z) in radians."""
    cx, sx, cy, sy, cz, sz = (
        math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch),
        math.cos(yaw), math.sin(yaw),
    )
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


@dataclass
class _Person:
    speed: float  # > 1: slower (durations are multiplied by this)
    size: float  # amplitude factor
    tilt: np.ndarray  # how the board sits in the hand: world-from-body rotation
    style: np.ndarray  # how this person's motion is turned against the board's axes
    direction: float  # +1 / -1: the way this person circles and starts a wave
    accel_bias: np.ndarray
    gyro_bias: np.ndarray


def _draw_person(rng) -> _Person:
    # People differ a lot: speed and size by up to about a third, the grip by 20 degrees
    # (standard deviation) about each axis, the motion's own axes by 15.
    return _Person(
        speed=float(rng.uniform(0.75, 1.3)),
        size=float(rng.uniform(0.8, 1.25)),
        tilt=_euler(*np.radians(rng.normal(0.0, 20.0, size=3))),
        style=_euler(*np.radians(rng.normal(0.0, 15.0, size=3))),
        direction=float(rng.choice([-1.0, 1.0])),
        accel_bias=rng.uniform(-0.05, 0.05, size=3),
        gyro_bias=rng.uniform(-3.0, 3.0, size=3),
    )


# Nominal ways the board is held (world-from-body) before the person's own tilt:
# flat and face up with x pointing forward, or with the forearm raised (x up) for a wave.
_FLAT = np.eye(3)
_ARM_UP = _euler(0.0, -math.pi / 2, 0.0)  # body x -> world z


def _motion(name, t, p: _Person, rng):
    """One repetition of gesture ``name`` as seen by the body frame.

    Returns ``(hold, axis, theta, dtheta, ddtheta, lever, a_trans)``: the nominal hold,
    the body rotation axis, the rotation angle and its derivatives (T,), the lever from
    the pivot to the board (body frame, metres) and the translational acceleration
    (T, 3) in the initial body frame (m/s^2).
    """
    n = len(t)
    jit = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    a_trans = np.zeros((n, 3))
    lever = np.zeros(3)
    if name in ("punch", "push"):
        # punch: a quick straight thrust along x (minimum-jerk, 0.3-0.5 m) with the forearm
        # pronating; push: slower and longer, the forearm barely turning.
        if name == "punch":
            dur, dist, twist = jit(0.22, 0.32), jit(0.32, 0.5), jit(20, 60)
        else:
            dur, dist, twist = jit(0.28, 0.38), jit(0.42, 0.58), jit(0, 12)
        dur *= p.speed
        dist *= p.size
        _, _, acc = _min_jerk(t / dur)
        acc = np.where(t <= dur, acc, 0.0)
        a_trans[:, 0] = dist / dur**2 * acc
        axis, turn = np.array([1.0, 0.0, 0.0]), math.radians(twist) * p.direction
        pos, vel, acc = _min_jerk(t / dur)
        theta, dtheta, ddtheta = turn * pos, turn * vel / dur, turn * acc / dur**2
        dtheta, ddtheta = np.where(t <= dur, dtheta, 0.0), np.where(t <= dur, ddtheta, 0.0)
        return _FLAT, axis, theta, dtheta, ddtheta, lever, a_trans
    if name == "flex":
        # A biceps curl: the forearm turns about the elbow (body y), up then down.
        up = jit(0.3, 0.45) * p.speed
        hold = jit(0.05, 0.15) * p.speed
        down = jit(0.3, 0.45) * p.speed
        angle = -math.radians(jit(90, 130)) * p.size  # negative about y lifts x upward
        lever = np.array([jit(0.25, 0.33), 0.0, 0.0])
        p1, v1, a1 = _min_jerk(t / up)
        t2 = t - up - hold
        p2, v2, a2 = _min_jerk(t2 / down)
        theta = angle * (p1 - p2)
        dtheta = angle * (np.where(t <= up, v1 / up, 0.0) - np.where(t2 >= 0, v2 / down, 0.0))
        ddtheta = angle * (
            np.where(t <= up, a1 / up**2, 0.0) - np.where((t2 >= 0) & (t2 <= down), a2 / down**2, 0.0)
        )
        return _FLAT, np.array([0.0, 1.0, 0.0]), theta, dtheta, ddtheta, lever, a_trans
    if name in ("wave", "swipe"):
        # Forearm raised, the hand swings side to side about the elbow (body z): a wave
        # swings 2-3 times, a swipe once and wider.
        freq = jit(1.6, 2.4) / p.speed
        if name == "wave":
            cycles, amp_deg = float(rng.choice([2.0, 2.5, 3.0])), jit(22, 35)
        else:
            cycles, amp_deg = float(rng.choice([1.0, 1.5])), jit(30, 45)
        dur = cycles / freq
        amp = math.radians(amp_deg) * p.size * p.direction
        lever = np.array([jit(0.25, 0.33), 0.0, 0.0])
        w = 2 * math.pi * freq
        inside = (t >= 0) & (t <= dur)
        env = np.where(inside, np.sin(math.pi * t / dur) ** 2, 0.0)
        denv = np.where(inside, math.pi / dur * np.sin(2 * math.pi * t / dur), 0.0)
        ddenv = np.where(inside, 2 * (math.pi / dur) ** 2 * np.cos(2 * math.pi * t / dur), 0.0)
        s, c = np.sin(w * t), np.cos(w * t)
        theta = amp * env * s
        dtheta = amp * (denv * s + env * w * c)
        ddtheta = amp * (ddenv * s + 2 * denv * w * c - env * w * w * s)
        return _ARM_UP, np.array([0.0, 0.0, 1.0]), theta, dtheta, ddtheta, lever, a_trans
    if name == "circle":
        # The hand draws one circle (radius 10-15 cm) in the vertical x-z plane.
        dur = jit(0.8, 1.05) * p.speed
        radius = jit(0.1, 0.15) * p.size
        pos, vel, acc = _min_jerk(t / dur)
        inside = t <= dur
        phi = p.direction * 2 * math.pi * pos
        dphi = np.where(inside, p.direction * 2 * math.pi * vel / dur, 0.0)
        ddphi = np.where(inside, p.direction * 2 * math.pi * acc / dur**2, 0.0)
        a_trans[:, 0] = radius * (-ddphi * np.sin(phi) - dphi**2 * np.cos(phi))
        a_trans[:, 2] = radius * (ddphi * np.cos(phi) - dphi**2 * np.sin(phi))
        # A small wrist wobble about y that follows the circle.
        wob = math.radians(jit(5, 12))
        theta, dtheta, ddtheta = wob * np.sin(phi), wob * np.cos(phi) * dphi, (
            wob * (np.cos(phi) * ddphi - np.sin(phi) * dphi**2)
        )
        return _FLAT, np.array([0.0, 1.0, 0.0]), theta, dtheta, ddtheta, lever, a_trans
    raise ValueError(f"unknown gesture {name!r}; known: {', '.join(GESTURES)}")


def _simulate(name, p: _Person, rng, noise: float):
    """A stream (rest, gesture, rest) in sensor units, shape (T, 6)."""
    rate = SAMPLE_RATE_HZ
    pre = int(rng.integers(int(0.15 * rate), int(0.35 * rate)))
    total = pre + 3 * WINDOW
    t = (np.arange(total) - pre) / rate
    hold, axis, theta, dtheta, ddtheta, lever, a_trans = _motion(name, t, p, rng)
    # Nobody moves exactly along the board's axes: turn the motion by the person's style
    # (and a little more on every repetition).
    turn = p.style @ _euler(*np.radians(rng.normal(0.0, 5.0, size=3)))
    axis, lever, a_trans = turn @ axis, turn @ lever, a_trans @ turn.T
    theta = np.where(t >= 0, theta, 0.0)
    dtheta = np.where(t >= 0, dtheta, 0.0)
    ddtheta = np.where(t >= 0, ddtheta, 0.0)
    a_trans = np.where(t[:, None] >= 0, a_trans, 0.0)

    start = p.tilt @ hold  # world-from-body at rest
    up_body = start.T @ np.array([0.0, 0.0, 1.0])  # the accelerometer reads +1 g "up" at rest
    rot = _rotation(axis, theta)  # initial-body-from-body
    rot_t = np.transpose(rot, (0, 2, 1))
    specific = a_trans / _G + up_body  # in the initial body frame, in g
    accel = np.einsum("tij,tj->ti", rot_t, specific)
    # A board held away from the pivot also feels tangential and centripetal acceleration.
    u_x_r = np.cross(axis, lever)
    u_x_u_x_r = np.cross(axis, u_x_r)
    accel += (ddtheta[:, None] * u_x_r + (dtheta**2)[:, None] * u_x_u_x_r) / _G
    gyro = np.degrees(dtheta)[:, None] * axis[None, :]

    accel = accel + p.accel_bias + rng.normal(0.0, 0.015 * noise, accel.shape)
    gyro = gyro + p.gyro_bias + rng.normal(0.0, 1.0 * noise, gyro.shape)
    # Physiological tremor (8-12 Hz) shows up on the gyroscope.
    f = rng.uniform(8, 12)
    gyro += rng.normal(0, 1.5 * noise, 3) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))[:, None]
    accel = np.clip(accel, -ACCEL_RANGE_G, ACCEL_RANGE_G)
    gyro = np.clip(gyro, -GYRO_RANGE_DPS, GYRO_RANGE_DPS)
    return np.concatenate([accel, gyro], axis=1)


def generate_gestures(
    n_per_class: int = 150,
    seed: int = 0,
    gestures=GESTURES,
    n_people: int = 12,
    noise: float = 1.0,
):
    """Simulated IMU gesture windows, as the board would capture them.

    Introduced in lab 12 (TinyML).

    Returns ``(x, y)``: ``x`` float32 ``(n_per_class * len(gestures), 119, 6)`` with columns
    ``aX, aY, aZ`` in g (gravity included) and ``gX, gY, gZ`` in deg/s; ``y`` int32 labels,
    the index into ``gestures``. ``n_people`` simulated people each have their own speed,
    size, grip (tilt of the board) and direction; each window starts where
    :func:`trigger_index` fires, exactly like the capture sketch. The same ``seed`` gives
    the same windows; a different seed gives different people, so a second seed makes an
    honest held-out set.
    """
    unknown = [g for g in gestures if g not in GESTURES]
    if unknown:
        raise ValueError(f"unknown gesture(s) {unknown}; known: {', '.join(GESTURES)}")
    if n_per_class < 1 or n_people < 1:
        raise ValueError("n_per_class and n_people must be at least 1")
    rng = np.random.default_rng(seed)
    people = [_draw_person(rng) for _ in range(n_people)]
    xs, ys = [], []
    for label, name in enumerate(gestures):
        for i in range(n_per_class):
            person = people[i % n_people]
            for _attempt in range(50):
                stream = _simulate(name, person, rng, noise)
                start = trigger_index(stream)
                if start is not None and start + WINDOW <= len(stream):
                    break
            else:  # pragma: no cover - the motions are all strong enough to trigger
                raise RuntimeError(f"gesture {name!r} never reached the trigger threshold")
            xs.append(stream[start : start + WINDOW])
            ys.append(label)
    return np.asarray(xs, dtype=np.float32), np.asarray(ys, dtype=np.int32)
