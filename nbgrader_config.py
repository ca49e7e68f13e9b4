"""nbgrader settings for the course: each folder in labs/ is one assignment.

Student versions go to release/<lab>/, submissions are read from
submitted/<student>/<lab>/<lab>.ipynb, grades live in the sqlite gradebook.db.
"""

import os

from course_lib.feedback import feedback_preprocessors
from course_lib.native_logs import KERNEL_ARGUMENTS
from course_lib.runner import cell_timeout

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "deep-learning-labs"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "labs"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# Seconds a single cell may run while grading (course_lib.runner.cell_timeout: one setting for
# make run, the tests and grading; `make autograde` grades with COURSE_QUICK=1); training cells
# need more than nbgrader's default 30 s. A cell past it is interrupted and the rest still run.
c.Execute.timeout = cell_timeout(quick=os.environ.get("COURSE_QUICK", "1") == "1")
c.Execute.interrupt_on_timeout = True
# TensorFlow's native log lines go to the kernel's stderr, not into the graded cells (nbgrader
# scores a cell with stderr output 0); see course_lib.native_logs.
c.Execute.extra_arguments = KERNEL_ARGUMENTS

# `make feedback`: nbgrader's feedback page without the hidden tests or the tracebacks that would
# quote them; only each failed check's message (course_lib.feedback).
c.GenerateFeedback.preprocessors = feedback_preprocessors()

# Every submission's kernel runs in the grading sandbox (course_lib.sandbox: bubblewrap, only its
# own scratch folder writable, no network, memory/process/file-size/output limits); SANDBOX=none
# grades without it, and says so in integrity.csv.
from course_lib.sandbox.execute import autograde_preprocessors  # noqa: E402

c.Autograde.autograde_preprocessors = autograde_preprocessors()
