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
}
