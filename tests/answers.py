"""Cheats a student might submit before a wrong answer, for the grading-loop tests; the
answers themselves are per lab, in tests/lab_expectations/.

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
