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


def to_model_input(x, info) -> np.ndarray:
    """Real-valued inputs as the model of ``info`` (a :class:`tflite.model_info.ModelInfo`)
    takes them: quantized with its input's scale and zero point if the input is int8."""
    inp = info.inputs[0]
    if inp.dtype == "int8":
        return quantize(x, inp.scale, inp.zero_point)
    return np.asarray(x, dtype=np.float32)


def to_real(y, info) -> np.ndarray:
    """The model's outputs as real values: dequantized if its output is int8."""
    out = info.outputs[0]
    if out.dtype == "int8":
        return dequantize(y, out.scale, out.zero_point)
    return np.asarray(y, dtype=np.float32)
