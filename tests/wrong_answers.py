"""One plausible wrong answer per lab, for the grading-loop tests.

``solution`` is the grade_id of a solution cell, ``source`` the wrong code a student
might write there; the graded test cell that follows it must lose all its points and
no other cell any.
"""

WRONG_ANSWERS = {
    "01_cnn": {
        "solution": "conv_output_length_solution",
        # Forgets the "+ 1" of the 'valid' rule.
        "source": (
            "def conv_output_length(input_length, kernel_size, stride, padding):\n"
            "    if padding == 'valid':\n"
            "        return (input_length - kernel_size) // stride\n"
            "    return (input_length + stride - 1) // stride\n"
        ),
    },
    "12_tinyml": {
        "solution": "quantize_int8_solution",
        # Forgets to compute in a wide type: the int8 subtraction wraps around.
        "source": (
            "def quantize_int8(x, scale, zero_point):\n"
            "    v = np.asarray(x, dtype=np.float64) / scale\n"
            "    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
            "\n"
            "\n"
            "def dequantize_int8(q, scale, zero_point):\n"
            "    return scale * (np.asarray(q) - zero_point)\n"
        ),
    },
}
