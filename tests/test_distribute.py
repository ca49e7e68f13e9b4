"""course_lib.distribute (lab 11): the strategy each environment calls for, one replica against
two (MirroredStrategy over two logical CPUs), and a real two-worker run
(MultiWorkerMirroredStrategy, TF_CONFIG, local ports) launched by the test itself.

The TensorFlow runs happen in subprocesses: logical devices and a worker's cluster must be set
before TensorFlow initialises, which the test process may already have done.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from course_lib.distribute import free_ports, launch_workers, strategy_kind
from tests.conftest import REPO

# Trains the same small model from the same start, for the same steps on the same batches, on
# one device and under the strategy the environment gives; prints the largest weight difference.
TRAIN = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import tensorflow as tf
    from course_lib.distribute import split_cpu, strategy_from_environment
    if sys.argv[1] == "split":
        split_cpu(2)
    strategy = strategy_from_environment(verbose=False)  # first, before any other op
    import keras
    from course_lib import set_seed
    set_seed(7)
    GLOBAL_BATCH = 32
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 12)).astype("float32")
    y = (x[:, :3].sum(axis=1) > 0).astype("int32")
    def build():
        return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="tanh"),
                                 keras.layers.Dense(2)])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
    with strategy.scope():
        model, optimizer = build(), keras.optimizers.SGD(0.2)
    start = model.get_weights()

    @tf.function
    def step(xb, yb):
        def replica_step(xb, yb):
            with tf.GradientTape() as tape:
                per_example = loss_fn(yb, model(xb, training=True))
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return tf.shape(xb)[0]
        return strategy.run(replica_step, args=(xb, yb))

    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    sizes = []
    for xb, yb in strategy.experimental_distribute_dataset(data):
        sizes.append([int(s) for s in strategy.experimental_local_results(step(xb, yb))])

    reference = build()  # outside the scope: one device, the whole batch at once
    reference.set_weights(start)
    reference.compile(keras.optimizers.SGD(0.2),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    reference.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
    print(json.dumps({
        "strategy": next((name for name in ("MultiWorkerMirroredStrategy", "MirroredStrategy")
                          if isinstance(strategy, getattr(tf.distribute, name))), "default"),
        "replicas": strategy.num_replicas_in_sync,
        "per_replica_batch": sizes[0],
        "steps": len(sizes),
        "moved": float(max(np.abs(a - b).max() for a, b in zip(model.get_weights(), start))),
        "difference": float(max(np.abs(a - b).max()
                                for a, b in zip(model.get_weights(), reference.get_weights()))),
    }))
""")

TOLERANCE = 1e-5  # float32 sums in another order; the weights move by about 0.1


def _clean_env():
    """This environment without a cluster or TPU of its own, with the repository importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "TPU_NAME")}
    return dict(env, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")


def _last_json(text):
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("environment, expected", [
    ({}, "default"),
    ({"cpus": 2}, "mirrored_cpu"),
    ({"gpus": 1}, "default"),
    ({"gpus": 4}, "mirrored_gpu"),
    ({"tf_config": json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                               "task": {"type": "worker", "index": 0}}), "gpus": 4}, "multi_worker"),
    ({"tf_config": json.dumps({"cluster": {"chief": ["a:1"], "worker": ["b:2"]},
                               "task": {"type": "chief", "index": 0}})}, "multi_worker"),
    ({"tf_config": json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}),
      "gpus": 2}, "mirrored_gpu"),
    ({"tpu_name": "my-tpu", "gpus": 2}, "tpu"),
    ({"local_tpu": True}, "tpu"),
])
def test_the_strategy_each_environment_calls_for(environment, expected):
    assert strategy_kind(**environment) == expected


def test_a_malformed_tf_config_is_named():
    with pytest.raises(ValueError, match="TF_CONFIG"):
        strategy_kind(tf_config="{not json")


def test_free_ports_are_distinct():
    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)


@pytest.mark.slow
def test_one_replica_against_two_replicas(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    runs = {}
    for mode in ("one", "split"):
        done = subprocess.run([sys.executable, str(script), mode], env=_clean_env(), cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        runs[mode] = _last_json(done.stdout)
    one, two = runs["one"], runs["split"]
    assert (one["strategy"], one["replicas"]) == ("default", 1)
    assert (two["strategy"], two["replicas"]) == ("MirroredStrategy", 2)
    assert two["per_replica_batch"] == [16, 16], "the global batch of 32 is split across 2 replicas"
    assert one["steps"] == two["steps"] == 8
    for run in (one, two):
        assert run["moved"] > 1e-2, "training did not move the weights"
        assert run["difference"] <= TOLERANCE, f"{run['strategy']}: {run['difference']:.2e} from one device"


@pytest.mark.slow
def test_two_local_workers_train_like_one_device(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    results = launch_workers(script, count=2, args=["workers"], timeout=150, env=_clean_env())
    for result in results:
        assert result.returncode == 0, f"worker {result.index}: {result.stderr[-3000:]}"
    reports = [_last_json(r.stdout) for r in results]
    for report in reports:
        assert (report["strategy"], report["replicas"]) == ("MultiWorkerMirroredStrategy", 2)
        assert report["per_replica_batch"] == [16], "each worker holds one replica of 16"
        assert report["steps"] == 8
        assert report["moved"] > 1e-2
        assert report["difference"] <= TOLERANCE


def test_launch_workers_kills_workers_past_the_timeout(tmp_path):
    script = tmp_path / "sleep.py"
    script.write_text("import json, os, sys, time\n"
                      "print(json.loads(os.environ['TF_CONFIG'])['task']['index'], flush=True)\n"
                      "time.sleep(60 if sys.argv[1] == 'slow' else 0)\n")
    results = launch_workers(script, count=2, args=["slow"], timeout=2)
    assert [r.returncode for r in results] == [None, None]
    assert [r.stdout.strip() for r in results] == ["0", "1"]
    assert "killed" in results[0].stderr
