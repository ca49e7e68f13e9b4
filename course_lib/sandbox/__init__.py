"""The grading sandbox: what a submission's kernel sees while it is graded, and the limits it runs under.

``make autograde`` runs every submission's code. Without a sandbox that code runs as the
instructor, in the course folder: it can read the solutions and hidden tests in ``labs/``,
rewrite the gradebook or another student's submission, reach the network, and take the
machine down for the class. So each graded kernel runs under bubblewrap (``bwrap``, the
Debian package ``bubblewrap``) and sees only

- its scratch copy of the submission (``autograded/<student>/<lab>/``, writable),
- the Python environment, the course's ``course_lib``/``tflite`` packages and ``data/``,
  read-only, with the system's ``/usr`` and the few files of ``/etc`` programs need,
- a private ``/tmp`` (its ``HOME`` is there), its own process table and no network: its
  channels to nbgrader are Unix sockets in a folder bound into the sandbox
  (:mod:`course_lib.sandbox.execute`).

It does not see ``labs/``, ``release/``, ``submitted/``, ``gradebook.db``, other students'
``autograded/`` folders or the instructor's home. Inside, :mod:`course_lib.sandbox.kernel`
caps memory, processes and file size before the kernel starts; the grader caps the output a
notebook may print and the time a cell may take.

``SANDBOX=none`` grades without it, knowingly: every line ``make autograde`` prints about a
submission and ``integrity.csv`` then say so.

The modules: :mod:`~course_lib.sandbox.bubblewrap` (the command line, what it shows, the check
that it starts), :mod:`~course_lib.sandbox.limits` (memory, processes, file size, output),
:mod:`~course_lib.sandbox.kernel` (the kernel's first lines inside) and
:mod:`~course_lib.sandbox.execute` (the kernel manager and the preprocessor nbgrader runs).
Instructor tooling: no lab imports it.
"""
