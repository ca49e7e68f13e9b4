"""course_lib.cluster: the share a Slurm array task or a Kubernetes Indexed Job pod grades, with
SHARD winning over both. Plain dictionaries stand in for the environment; nothing is graded."""

import pytest

from course_lib.cluster import shard_from_environment
from course_lib.grading import parse_shard, shard_of


def slurm(task, count, first=None, step=None, last=None):
    env = {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_COUNT": str(count)}
    for name, value in (("MIN", first), ("STEP", step), ("MAX", last)):
        if value is not None:
            env[f"SLURM_ARRAY_TASK_{name}"] = str(value)
    return env


def array(indexes):
    """What Slurm sets in each task of an evenly spaced array with these indexes."""
    step = indexes[1] - indexes[0] if len(indexes) > 1 else 1
    return [slurm(i, len(indexes), indexes[0], step, indexes[-1]) for i in indexes]


def shards(environments):
    found = [shard_from_environment(env) for env in environments]
    for text in found:
        parse_shard(text)  # every value is one grading.main accepts
    return found


@pytest.mark.parametrize("indexes", [list(range(0, 8)), list(range(1, 9)), list(range(1, 16, 2)), [5]],
                         ids=["0-7", "1-8", "1-15:2", "5"])
def test_slurm_arrays_number_their_tasks_1_to_m(indexes):
    m = len(indexes)
    assert shards(array(indexes)) == [f"{k}/{m}" for k in range(1, m + 1)]


def test_the_shares_of_an_array_cover_every_submission_once():
    items = [(f"s{i:03d}", lab) for i in range(25) for lab in ("01_cnn", "03_rnn")]
    parts = [shard_of(items, parse_shard(text)) for text in shards(array(list(range(1, 16, 2))))]
    assert sorted(pair for part in parts for pair in part) == items


def test_slurm_min_and_step_default_to_0_and_1():
    assert shards([slurm(0, 4), slurm(3, 4)]) == ["1/4", "4/4"]
    assert shards([slurm(4, 8, first=1)]) == ["4/8"]


def test_kubernetes_indexed_job():
    envs = [{"JOB_COMPLETION_INDEX": str(i), "JOB_COMPLETIONS": "8"} for i in range(8)]
    assert shards(envs) == [f"{k}/8" for k in range(1, 9)]


@pytest.mark.parametrize("scheduler", [slurm(3, 8, first=1, step=1, last=8),
                                       {"JOB_COMPLETION_INDEX": "2", "JOB_COMPLETIONS": "8"}],
                         ids=["slurm", "kubernetes"])
def test_shard_wins_over_the_scheduler_and_is_returned_unchanged(scheduler):
    assert shard_from_environment({**scheduler, "SHARD": "5/6"}) == "5/6"
    assert shard_from_environment({**scheduler, "SHARD": "not checked here"}) == "not checked here"
    assert shard_from_environment({**scheduler, "SHARD": ""}) == "3/8"  # empty: not set


def test_nothing_set_is_none():
    assert shard_from_environment({}) is None
    assert shard_from_environment({"SHARD": "", "SLURM_JOB_ID": "42", "PATH": "/usr/bin"}) is None


@pytest.mark.parametrize("env, names", [
    ({"SLURM_ARRAY_TASK_ID": "3"}, ["SLURM_ARRAY_TASK_COUNT"]),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": ""}, ["SLURM_ARRAY_TASK_COUNT"]),
    ({"JOB_COMPLETION_INDEX": "3"}, ["JOB_COMPLETIONS", "JOB_COMPLETION_INDEX='3'"]),
    ({"JOB_COMPLETIONS": "8"}, ["JOB_COMPLETION_INDEX", "Indexed"]),
    # garbage values
    (slurm("three", 8), ["SLURM_ARRAY_TASK_ID", "'three'"]),
    (slurm(3, "8.0"), ["SLURM_ARRAY_TASK_COUNT", "'8.0'"]),
    (slurm(3, 8, first="1-8"), ["SLURM_ARRAY_TASK_MIN", "'1-8'"]),
    (slurm(3, 8, step="x"), ["SLURM_ARRAY_TASK_STEP", "'x'"]),
    ({"JOB_COMPLETION_INDEX": "1", "JOB_COMPLETIONS": "$(N)"}, ["JOB_COMPLETIONS", "'$(N)'"]),
    ({"JOB_COMPLETION_INDEX": "one", "JOB_COMPLETIONS": "8"}, ["JOB_COMPLETION_INDEX", "'one'"]),
], ids=["slurm-count", "slurm-empty-count", "kubernetes-count", "kubernetes-index",
        "slurm-id", "slurm-bad-count", "slurm-min", "slurm-step", "k8s-count", "k8s-index"])
def test_a_missing_count_or_a_garbage_value_is_an_error_naming_the_variable(env, names):
    with pytest.raises(ValueError) as err:
        shard_from_environment(env)
    for name in names:
        assert name in str(err.value)


@pytest.mark.parametrize("env", [
    slurm(8, 8),                                   # 0-based array of 8 has no index 8
    slurm(9, 8, first=1),                          # 1-8 has no index 9
    slurm(0, 8, first=1),                          # below the array's first index
    slurm(4, 8, first=1, step=2),                  # 1-15:2 has no index 4
    slurm(3, 8, step=0),
    slurm(0, 0),
    slurm(9, 3, first=1, step=1, last=9),          # --array=1,2,9: not evenly spaced
    {"JOB_COMPLETION_INDEX": "8", "JOB_COMPLETIONS": "8"},
    {"JOB_COMPLETION_INDEX": "-1", "JOB_COMPLETIONS": "8"},
    {"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "0"},
])
def test_an_index_outside_the_array_is_an_error(env):
    with pytest.raises(ValueError, match="SLURM_ARRAY_TASK_ID|JOB_COMPLETION_INDEX"):
        shard_from_environment(env)


def test_both_schedulers_at_once_is_an_error_unless_shard_says():
    both = {**slurm(1, 8), "JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "8"}
    with pytest.raises(ValueError, match="SHARD"):
        shard_from_environment(both)
    assert shard_from_environment({**both, "SHARD": "1/8"}) == "1/8"
