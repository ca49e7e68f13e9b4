"""Join course folders that graded different submissions into one gradebook.

nbgrader keeps its grades in one SQLite gradebook, which one process writes at a time. So
``make autograde JOBS=N`` grades N slices of the submissions in N scratch course folders, each
with its own gradebook (a copy of the course's, so every lab is already there), and this module
copies each slice's results back: the submission with its timestamp, every graded cell's score
and comment, and the executed notebooks under ``autograded/``. A course split across machines
(``SHARD=k/M``) is joined the same way (``make autograde-merge``).

The copy uses nbgrader's own API (:class:`nbgrader.api.Gradebook`), so the merged gradebook is
the one a serial ``nbgrader autograde`` would have written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

GRADEBOOK = "gradebook.db"


def gradebook_url(root: Path) -> str:
    return f"sqlite:///{Path(root) / GRADEBOOK}"


def graded_in(root: Path) -> list[tuple[str, str]]:
    """Every (student, lab) with a submission in ``root``'s gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(root)) as gb:
        return sorted((s.student.id, s.assignment.name)
                      for a in gb.assignments for s in a.submissions)


def copy_submission(source: Path, target: Path, student: str, lab: str) -> None:
    """Copy one graded submission from ``source``'s gradebook into ``target``'s (replacing an
    earlier grading of it there) and its executed notebook folder under ``autograded/``."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(source)) as src, Gradebook(gradebook_url(target)) as dst:
        submitted = src.find_submission(lab, student)
        dst.update_or_create_student(student)
        try:
            dst.remove_submission(lab, student)
        except MissingEntry:
            pass
        with dst.db.no_autoflush:  # nbgrader builds the submission's rows before adding them
            copy = dst.add_submission(lab, student, timestamp=submitted.timestamp)
        for notebook in submitted.notebooks:
            name = notebook.name
            into = dst.find_submission_notebook(name, lab, student)
            into.flagged = notebook.flagged
            into.late_submission_penalty = notebook.late_submission_penalty
            for grade in notebook.grades:
                mine = dst.find_grade(grade.name, name, lab, student)
                for field in ("auto_score", "manual_score", "extra_credit", "needs_manual_grade"):
                    setattr(mine, field, getattr(grade, field))
            for comment in notebook.comments:
                mine = dst.find_comment(comment.name, name, lab, student)
                mine.auto_comment, mine.manual_comment = comment.auto_comment, comment.manual_comment
        copy.extension = submitted.extension
        dst.db.commit()
    executed = Path(source) / "autograded" / student / lab
    if executed.is_dir():
        into = Path(target) / "autograded" / student / lab
        partial = into.with_name(f".{lab}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(executed, partial)
        shutil.rmtree(into, ignore_errors=True)
        partial.rename(into)


def merge_courses(sources: list[Path], target: Path) -> list[tuple[str, str]]:
    """Copy every submission graded in the course folders ``sources`` into ``target``, in
    (student, lab) order, as a serial run adds them; returns the pairs copied. All must hold the
    same labs (the same ``labs/``)."""
    found = sorted((pair, Path(source)) for source in sources for pair in graded_in(source))
    for (student, lab), source in found:
        copy_submission(source, target, student, lab)
    return [pair for pair, _ in found]
