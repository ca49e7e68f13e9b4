"""What the tests expect of lab 12_tinyml: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("int8 test accuracy", ">=", 0.75)]

WRONG = [{
    "solution": "quantize_int8_solution",
    # Rounds with np.round: halves go to the even neighbour, not away from zero.
    "source": (
        "def quantize_int8(x, scale, zero_point):\n"
        "    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point\n"
        "    return np.clip(q, -128, 127).astype(np.int8)\n"
        "\n"
        "\n"
        "def dequantize_int8(q, scale, zero_point):\n"
        "    return scale * (np.asarray(q, dtype=np.float64) - zero_point)\n"
    ),
}, {
    "solution": "stays_float32_solution",
    # Takes the 1,024-element threshold as "at most", so the 1,024-weight Dense kernel
    # is predicted to stay float32 (the converter quantizes it).
    "source": 'STAYS_FLOAT32 = {"conv_a", "depthwise", "dense_hidden", "dense_out"}\n',
}]

ALTERNATIVE = [{
    "solution": "quantization_params_solution",
    # Rounds half away from zero with math.floor/math.ceil and clamps with min/max.
    "source": (
        "import math\n"
        "\n"
        "\n"
        "def quantization_params(x_min, x_max):\n"
        "    low, high = min(float(x_min), 0.0), max(float(x_max), 0.0)\n"
        "    scale = (high - low) / 255\n"
        "    exact = -128 - low / scale\n"
        "    nearest = math.floor(exact + 0.5) if exact >= 0 else math.ceil(exact - 0.5)\n"
        "    return scale, int(max(-128, min(127, nearest)))\n"
    ),
}, {
    "solution": "stays_float32_solution",
    # Counts every kernel's weights instead of reasoning layer by layer.
    "source": (
        "KERNEL_ELEMENTS = {\n"
        "    'conv_a': 5 * 5 * 3 * 8,\n"
        "    'conv_b': 3 * 3 * 8 * 32,\n"
        "    'depthwise': 3 * 3 * 32,\n"
        "    'pointwise': 1 * 1 * 32 * 64,\n"
        "    'dense_hidden': 64 * 16,\n"
        "    'dense_out': 16 * 10,\n"
        "}\n"
        "STAYS_FLOAT32 = [name for name, n in KERNEL_ELEMENTS.items() if n < 1024]\n"
    ),
}]
