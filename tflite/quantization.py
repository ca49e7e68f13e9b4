"""int8 quantization of values, the way TFLite and the board's sketches do it."""

from __future__ import annotations

import numpy as np


def quantize(values, scale: float, zero_point: int) -> np.ndarray:
    """Float -> int8 the way TFLite does: round half away from zero, add the zero point, clamp."""
    v = np.asarray(values, dtype=np.float32) / np.float32(scale)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize(values, scale: float, zero_point: int) -> np.ndarray:
    """int8 -> float: ``(q - zero_point) * scale``."""
    return (np.asarray(values, dtype=np.float32) - zero_point) * np.float32(scale)
