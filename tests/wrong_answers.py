"""One plausible wrong answer per lab, for the grading-loop tests.

``solution`` is the grade_id of a solution cell, ``source`` the wrong code a student
might write there; the graded test cell that follows it must lose all its points and
no other cell any.
"""

WRONG_ANSWERS = {
}
