"""Which share of the class a task on a cluster's scheduler grades.

``make autograde SHARD=k/m`` grades slice k of m (1-based) of the submissions
(:func:`course_lib.grading.parse_shard`). On a scheduler, one script runs as many tasks and the
scheduler numbers them; :func:`shard_from_environment` turns that numbering into the ``"k/m"``
text to use when ``SHARD`` is not set, so every task of the array runs the same command:

- ``SHARD`` set (non-empty): returned unchanged; an explicit share always wins.
- Slurm job arrays (``sbatch --array=0-7``, ``1-8`` or ``1-15:2``): Slurm sets
  ``SLURM_ARRAY_TASK_ID`` (this task's index), ``SLURM_ARRAY_TASK_COUNT`` (the number of tasks),
  ``SLURM_ARRAY_TASK_MIN`` / ``SLURM_ARRAY_TASK_MAX`` (lowest and highest index) and
  ``SLURM_ARRAY_TASK_STEP`` (the step of the range). k = (ID - MIN) // STEP + 1 and m = COUNT;
  MIN defaults to 0 and STEP to 1 when absent. The indexes must be an evenly spaced range: an
  array given as a list (``--array=1,2,9``) has no k/m numbering and is refused when MIN, MAX,
  STEP and COUNT disagree. See https://slurm.schedmd.com/job_array.html ("Job ID and
  Environment Variables") and the OUTPUT ENVIRONMENT VARIABLES of
  https://slurm.schedmd.com/sbatch.html.
- Kubernetes Indexed Jobs (``completionMode: Indexed``): the control plane sets
  ``JOB_COMPLETION_INDEX`` (0 to completions - 1) in every pod; see
  https://kubernetes.io/docs/tasks/job/indexed-parallel-processing-static/. Kubernetes does not
  put the number of completions in the environment, so the manifest sets ``JOB_COMPLETIONS`` to
  the same number as ``spec.completions`` (deploy/kubernetes/autograde-job.yaml).
  k = index + 1 and m = JOB_COMPLETIONS.
- Nothing set: None (grade everything).

A half-set or inconsistent environment (an index without its count, a count without an
index, text that is not a whole number, an index outside the array, both schedulers at once)
raises ValueError naming the variables and their values: grading the wrong share, or every
share on every task, would go unnoticed until the merge.
"""

from __future__ import annotations

from collections.abc import Mapping

SLURM_ID = "SLURM_ARRAY_TASK_ID"
SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT"
SLURM_MIN = "SLURM_ARRAY_TASK_MIN"
SLURM_MAX = "SLURM_ARRAY_TASK_MAX"
SLURM_STEP = "SLURM_ARRAY_TASK_STEP"
K8S_INDEX = "JOB_COMPLETION_INDEX"
K8S_COUNT = "JOB_COMPLETIONS"


def shard_from_environment(environ: Mapping[str, str]) -> str | None:
    """The ``"k/m"`` share this task grades, from ``SHARD`` or the scheduler's variables in
    ``environ`` (pass ``os.environ``); None when neither is set. ValueError when they are set
    but do not make a share."""
    shard = environ.get("SHARD", "")
    if shard:
        return shard
    slurm = bool(environ.get(SLURM_ID))
    kubernetes = bool(environ.get(K8S_INDEX) or environ.get(K8S_COUNT))
    if slurm and kubernetes:
        raise ValueError(
            f"both a Slurm array task and a Kubernetes Indexed Job: {_show(environ, SLURM_ID, K8S_INDEX)};"
            " set SHARD=k/m to say which share this task grades"
        )
    if slurm:
        return _slurm_shard(environ)
    if kubernetes:
        return _kubernetes_shard(environ)
    return None


def _show(environ: Mapping[str, str], *names: str) -> str:
    """``NAME='value'`` for each name (``NAME unset`` when absent), for error messages."""
    return ", ".join(f"{name}={environ[name]!r}" if name in environ else f"{name} unset" for name in names)


def _integer(environ: Mapping[str, str], name: str, default: int | None, context: str) -> int:
    text = environ.get(name, "")
    if not text.strip():
        if default is None:
            raise ValueError(f"{context}: {name} is not set ({_show(environ, name)})")
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{context}: {name}={text!r} is not a whole number") from None


def _checked(k: int, m: int, context: str, shown: str) -> str:
    if m < 1:
        raise ValueError(f"{context}: the number of tasks must be at least 1 ({shown})")
    if not 1 <= k <= m:
        raise ValueError(f"{context}: this task is share {k} of {m}, outside 1..{m} ({shown})")
    return f"{k}/{m}"


def _slurm_shard(environ: Mapping[str, str]) -> str:
    context = "Slurm job array"
    names = (SLURM_ID, SLURM_COUNT, SLURM_MIN, SLURM_MAX, SLURM_STEP)
    shown = _show(environ, *names)
    task = _integer(environ, SLURM_ID, None, context)
    count = _integer(environ, SLURM_COUNT, None, context)
    first = _integer(environ, SLURM_MIN, 0, context)
    step = _integer(environ, SLURM_STEP, 1, context)
    if step < 1:
        raise ValueError(f"{context}: {SLURM_STEP} must be at least 1 ({shown})")
    if (task - first) % step:
        raise ValueError(f"{context}: the index is not on the range's step ({shown})")
    if environ.get(SLURM_MAX, "").strip():
        last = _integer(environ, SLURM_MAX, None, context)
        if last != first + step * (count - 1):
            raise ValueError(
                f"{context}: the indexes are not an evenly spaced range such as --array=1-8 or"
                f" --array=1-15:2, so they give no k/m ({shown}); set SHARD=k/m instead"
            )
    return _checked((task - first) // step + 1, count, context, shown)


def _kubernetes_shard(environ: Mapping[str, str]) -> str:
    context = "Kubernetes Indexed Job"
    shown = _show(environ, K8S_INDEX, K8S_COUNT)
    if not environ.get(K8S_INDEX, "").strip():
        raise ValueError(
            f"{context}: {K8S_COUNT} is set but {K8S_INDEX} is not ({shown}); is the Job's"
            " completionMode Indexed?"
        )
    index = _integer(environ, K8S_INDEX, None, context)
    if not environ.get(K8S_COUNT, "").strip():
        raise ValueError(
            f"{context}: {K8S_INDEX} is set but {K8S_COUNT} is not ({shown}); set {K8S_COUNT} in"
            " the pod's env to the Job's spec.completions"
        )
    count = _integer(environ, K8S_COUNT, None, context)
    return _checked(index + 1, count, context, shown)
