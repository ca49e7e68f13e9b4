"""Answers a student might submit, per lab, for the grading-loop tests.

For each lab:

- ``wrong``: a plausible wrong answer. ``solution`` is the grade_id of a solution cell and
  ``source`` the code a student might write there; the graded test cell after it must lose
  all its points and no other cell any. It fails a check, it does not raise.
- ``alternative``: a correct answer written differently from the solution (another
  algorithm, other library calls); it must get full marks.

``CHEATS`` are lab-independent: code that tries to switch the checks off. A submission that
runs them and then answers wrongly must still lose the points of the wrong answer.
"""

CHEATS = {
    # Rebinds the helpers in the notebook's namespace: an answer cell runs before the test cell.
    "rebind": "check_array = check_equal = rel_error = lambda *args, **kwargs: None\n",
    # Replaces them in their module, where a test cell that imports them would find them.
    "patch": (
        "import course_lib\n"
        "import course_lib.checks\n"
        "course_lib.checks.check_array = course_lib.checks.check_equal = lambda *args, **kwargs: None\n"
        "course_lib.check_array = course_lib.check_equal = course_lib.checks.check_array\n"
    ),
}

ANSWERS = {
    "01_cnn": {
        "wrong": {
            "solution": "conv_output_length_solution",
            # Forgets the "+ 1" of the 'valid' rule.
            "source": (
                "def conv_output_length(input_length, kernel_size, stride, padding):\n"
                "    if padding == 'valid':\n"
                "        return (input_length - kernel_size) // stride\n"
                "    return (input_length + stride - 1) // stride\n"
            ),
        },
        "alternative": {
            "solution": "conv_output_length_solution",
            # Counts the positions with math.ceil instead of integer division.
            "source": (
                "import math\n"
                "\n"
                "\n"
                "def conv_output_length(input_length, kernel_size, stride, padding):\n"
                "    span = input_length - kernel_size + 1 if padding == 'valid' else input_length\n"
                "    return math.ceil(span / stride)\n"
            ),
        },
    },
    "12_tinyml": {
        "wrong": {
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
        },
        "alternative": {
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
        },
    },
}
