"""``make feedback``: one HTML page per student and lab, from the graded notebooks.

It is nbgrader's own ``generate_feedback`` (the page instructors know: the score of every
exercise, then the student's notebook as graded) with two more steps, set in
``nbgrader_config.py`` as :data:`FEEDBACK_PREPROCESSORS`, because the graded copy holds the
hidden tests:

- nbgrader's ``ClearHiddenTests`` takes the hidden-test lines out of every test cell;
- :class:`ErrorsWithoutTraceback` keeps only the outcome of a failed test, "AssertionError:
  expected shape (26, 26), got (28, 28)", and drops the traceback, whose frames would quote
  the hidden lines that raised.

nbgrader's feedback shows the hidden tests by default (jupyter/nbgrader issues #917 and #1156).
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor


class ErrorsWithoutTraceback(NbGraderPreprocessor):
    """Replace each error output's traceback by its one line ``ExceptionName: message``."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def feedback_preprocessors() -> list:
    """nbgrader's feedback steps with the two above, in the order they must run."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    return [GetGrades, ClearHiddenTests, ErrorsWithoutTraceback, CSSHTMLHeaderPreprocessor]
