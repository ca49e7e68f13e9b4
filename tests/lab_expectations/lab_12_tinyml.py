"""What the tests expect of lab 12_tinyml: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/12_tinyml/metrics.toml."""

_DEQUANTIZE = (
    "\n"
    "\n"
    "def dequantize_int8(q, scale, zero_point):\n"
    "    return scale * (np.asarray(q, dtype=np.float64) - zero_point)\n"
)

_QUANTIZATION_PARAMS = (
    "def quantization_params(x_min, x_max):\n"
    "    x_min, x_max = min(float(x_min), 0.0), max(float(x_max), 0.0)\n"
    "    scale = (x_max - x_min) / 255.0\n"
    "    return scale, {zero_point}\n"
)

_MODEL_FITS = (
    "def model_fits_board(model_bytes, arena_bytes, sketch_flash, sketch_ram, flash=983_040,\n"
    "                     sram=262_144):\n"
    "    return bool({condition})\n"
)

WRONG = [{
    "solution": "quantize_int8_solution",
    # The first try's rounding kept: np.round sends halves to the even neighbour, not away from
    # zero (the other bugs fixed).
    "source": (
        "def quantize_int8(x, scale, zero_point):\n"
        "    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point\n"
        "    return np.clip(q, -128, 127).astype(np.int8)\n" + _DEQUANTIZE
    ),
}, {
    "solution": "quantize_int8_solution",
    # Rounds half away from zero, but after adding the zero point (as the first try does):
    # 0.5 step with zero point -3 gives -3, not -2.
    "source": (
        "def quantize_int8(x, scale, zero_point):\n"
        "    v = np.asarray(x, dtype=np.float64) / scale + zero_point\n"
        "    q = np.sign(v) * np.floor(np.abs(v) + 0.5)\n"
        "    return np.clip(q, -128, 127).astype(np.int8)\n" + _DEQUANTIZE
    ),
}, {
    "solution": "quantization_params_solution",
    # Rounds before the shift: -128 + round(-x_min / scale), halves away from zero.
    "source": _QUANTIZATION_PARAMS.format(
        zero_point="int(-128 + np.floor(-x_min / scale + 0.5))"),
}, {
    "solution": "quantization_params_solution",
    # Rounds half up (floor(z + 0.5)): right for positive halves, wrong for negative ones.
    "source": _QUANTIZATION_PARAMS.format(
        zero_point="int(min(127, max(-128, np.floor(-128.0 - x_min / scale + 0.5))))"),
}, {
    "solution": "stays_float32_solution",
    # Takes the 1,024-element threshold as "at most", so the 1,024-weight Dense kernel
    # is predicted to stay float32 (the converter quantizes it).
    "source": 'STAYS_FLOAT32 = {"conv_a", "depthwise", "dense_hidden", "dense_out"}\n',
}, {
    "solution": "stays_float32_solution",
    # Counts the depthwise kernel like a standard convolution's (3 * 3 * 32 * 32 = 9,216
    # weights), so predicts it quantized; it has one 3 x 3 filter per channel, 288 weights.
    "source": 'STAYS_FLOAT32 = {"conv_a", "dense_out"}\n',
}, {
    "solution": "separable_conv_solution",
    # Forgets the biases of Conv2D.
    "source": (
        "def conv_params(kernel_size, in_channels, filters):\n"
        "    return kernel_size * kernel_size * in_channels * filters\n"
        "\n"
        "\n"
        "def separable_conv_params(kernel_size, in_channels, filters):\n"
        "    return kernel_size * kernel_size * in_channels + in_channels * filters + filters\n"
    ),
}, {
    "solution": "separable_conv_solution",
    # Gives the depthwise step a bias too (Keras' SeparableConv2D has one bias vector).
    "source": (
        "def conv_params(kernel_size, in_channels, filters):\n"
        "    return kernel_size * kernel_size * in_channels * filters + filters\n"
        "\n"
        "\n"
        "def separable_conv_params(kernel_size, in_channels, filters):\n"
        "    depthwise = kernel_size * kernel_size * in_channels + in_channels\n"
        "    return depthwise + in_channels * filters + filters\n"
    ),
}, {
    "solution": "model_fits_board_solution",
    # A memory filled exactly is taken as full: < instead of <=.
    "source": _MODEL_FITS.format(
        condition="model_bytes + sketch_flash < flash and arena_bytes + sketch_ram < sram"),
}, {
    "solution": "model_fits_board_solution",
    # Puts the model in SRAM too, as if the const array were copied there.
    "source": _MODEL_FITS.format(
        condition="model_bytes + sketch_flash <= flash "
                  "and model_bytes + arena_bytes + sketch_ram <= sram"),
}, {
    "solution": "gesture_macs_solution",
    # Counts each weight once (the parameter count, biases included), not once per output
    # position.
    "source": "GESTURE_MACS = 496 + 1944 + 2336 + 1605\n",
}, {
    "solution": "gesture_macs_solution",
    # Ignores the first convolution's stride of 2: lengths 115, 57, 53, 26, 24 instead of
    # 58, 29, 25, 12, 10.
    "source": ("GESTURE_MACS = (115 * 16 * 5 * 6 + 53 * 24 * 5 * 16 + 24 * 32 * 3 * 24\n"
               "                + 24 * 32 * 5)\n"),
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
    "solution": "quantize_int8_solution",
    # np.trunc(v + copysign(0.5, v)) for the rounding, int32 before the cast, a loop-free
    # dequantize through int32.
    "source": (
        "def quantize_int8(x, scale, zero_point):\n"
        "    v = np.asarray(x, dtype=np.float64) / scale\n"
        "    q = np.trunc(v + np.copysign(0.5, v)).astype(np.int32) + int(zero_point)\n"
        "    return np.clip(q, -128, 127).astype(np.int8)\n"
        "\n"
        "\n"
        "def dequantize_int8(q, scale, zero_point):\n"
        "    return (np.asarray(q).astype(np.int32) - int(zero_point)) * float(scale)\n"
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
}, {
    "solution": "gesture_macs_solution",
    # Walks the layers with a loop: length after each step, MACs per layer.
    "source": (
        "length, channels, total = 119, 6, 0\n"
        "for filters, kernel, stride in [(16, 5, 2), (24, 5, 1), (32, 3, 1)]:\n"
        "    if channels != 6:\n"
        "        length //= 2  # the pooling before this convolution\n"
        "    length = (length - kernel) // stride + 1\n"
        "    total += length * filters * kernel * channels\n"
        "    channels = filters\n"
        "GESTURE_MACS = total + length * channels * 5\n"
    ),
}]
