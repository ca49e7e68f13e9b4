"""Per-channel normalization of IMU windows, the same in training and on the board.

Introduced in lab 12 (TinyML). The TinyML pipeline writes these constants into the
generated sketch header ``gesture_params.h``, so the board normalizes exactly as training
did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.imu_capture import CHANNELS


@dataclass(frozen=True)
class Normalization:
    """Per-channel ``(value - offset) / scale``, the same in training and on the board.

    Introduced in lab 12 (TinyML). :meth:`apply` computes in float32 exactly as the
    generated sketch does in C ``float``; ``gesture_params.h`` holds these numbers.
    """

    offset: tuple[float, ...]
    scale: tuple[float, ...]

    def apply(self, windows) -> np.ndarray:
        """Normalize windows ``(..., 6)`` channel by channel; returns float32."""
        x = np.asarray(windows, dtype=np.float32)
        off = np.asarray(self.offset, dtype=np.float32)
        sc = np.asarray(self.scale, dtype=np.float32)
        return ((x - off) / sc).astype(np.float32)

    def to_dict(self) -> dict:
        return {"channels": list(CHANNELS), "offset": list(self.offset), "scale": list(self.scale)}


def fit_normalization(windows) -> Normalization:
    """Per-channel mean and standard deviation of training windows ``(N, 119, 6)``.

    The numbers are rounded to 6 significant digits so the C header, which prints them
    as decimal literals, holds exactly the values training used.
    """
    x = np.asarray(windows, dtype=np.float64).reshape(-1, len(CHANNELS))
    mean = x.mean(axis=0)
    std = np.maximum(x.std(axis=0), 1e-3)

    def r(v):
        return float(f"{float(v):.6g}")

    return Normalization(tuple(r(v) for v in mean), tuple(r(v) for v in std))
