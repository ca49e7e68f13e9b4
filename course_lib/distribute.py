"""Train past one device with ``tf.distribute``: pick the strategy the environment offers, split
the CPU into logical devices, and launch local ``TF_CONFIG`` workers. Introduced in lab 11
(frameworks, ONNX, scaling past one machine).

Any lab's training cell can use it behind a parameter::

    strategy = strategy_from_environment() if DISTRIBUTE else tf.distribute.get_strategy()
    with strategy.scope():
        model = build_model()
        model.compile(...)
    model.fit(...)  # the batch size is the global batch: it is split across the replicas

Keras 3 on the TensorFlow backend honours these scopes (``keras.distribution`` is JAX-only in
Keras 3.15). One exception, checked with Keras 3.15.1 / TF 2.21: ``model.fit`` under
``MultiWorkerMirroredStrategy`` fails before the first step ("Attempt to convert a value
(PerReplica ...)", keras-team/keras#20585); lab 11 trains its workers with a custom loop
(``strategy.run`` inside a ``tf.function``), which works.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: Strategy kinds, in the order ``strategy_kind`` tries them.
KINDS = ("tpu", "multi_worker", "mirrored_gpu", "mirrored_cpu", "default")


def strategy_kind(tf_config: str | None = None, tpu_name: str | None = None,
                  local_tpu: bool = False, gpus: int = 0, cpus: int = 1) -> str:
    """Which strategy an environment calls for (a pure function, so every case is testable).

    - ``"tpu"``: ``TPU_NAME`` is set or a TPU is attached to this machine;
    - ``"multi_worker"``: ``TF_CONFIG`` describes a cluster of more than one worker (each worker
      also uses all its local GPUs, so this comes before the GPU case);
    - ``"mirrored_gpu"``: more than one GPU on this machine;
    - ``"mirrored_cpu"``: more than one logical CPU device (see :func:`split_cpu`);
    - ``"default"``: one device, no distribution.
    """
    if tpu_name or local_tpu:
        return "tpu"
    if tf_config:
        try:
            cluster = json.loads(tf_config).get("cluster", {})
        except (ValueError, AttributeError) as err:
            raise ValueError(f"TF_CONFIG is not a JSON object with a 'cluster': {tf_config!r:.200}") from err
        workers = sum(len(cluster.get(job, [])) for job in ("chief", "worker"))
        if workers > 1:
            return "multi_worker"
    if gpus > 1:
        return "mirrored_gpu"
    if cpus > 1:
        return "mirrored_cpu"
    return "default"


def strategy_from_environment(verbose: bool = True):
    """The ``tf.distribute`` strategy for this environment (see :func:`strategy_kind`), built
    with TensorFlow's own cluster resolvers. Call it before building the model, and for a
    multi-worker run before any other TensorFlow op."""
    import tensorflow as tf

    resolvers = tf.distribute.cluster_resolver
    cluster = {"tf_config": os.environ.get("TF_CONFIG"), "tpu_name": os.environ.get("TPU_NAME"),
               "local_tpu": Path("/dev/accel0").exists()}
    kind = strategy_kind(**cluster)
    if kind == "default":  # listing logical devices initialises TF: too late for a cluster
        kind = strategy_kind(**cluster, gpus=len(tf.config.list_logical_devices("GPU")),
                             cpus=len(tf.config.list_logical_devices("CPU")))
    if kind == "tpu":
        resolver = resolvers.TPUClusterResolver(tpu=None if os.environ.get("TPU_NAME") else "local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
    elif kind == "multi_worker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            cluster_resolver=resolvers.TFConfigClusterResolver())
    elif kind == "mirrored_gpu":
        strategy = tf.distribute.MirroredStrategy()  # every visible GPU
    elif kind == "mirrored_cpu":
        strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
    else:
        strategy = tf.distribute.get_strategy()
    if verbose:
        print(f"strategy: {type(strategy).__name__} ({kind}), "
              f"{strategy.num_replicas_in_sync} replica(s) in sync")
    return strategy


def split_cpu(count: int = 2):
    """Split the CPU into ``count`` logical devices, so ``MirroredStrategy`` has ``count``
    replicas on a laptop. Must run before TensorFlow initialises its devices (before any op,
    model or ``list_logical_devices``); returns the logical CPU devices.

    Raises ``RuntimeError`` saying so (restart the kernel) if TensorFlow is already initialised
    with a different split."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as err:
        if len(tf.config.list_logical_devices("CPU")) != count:
            raise RuntimeError(
                f"cannot split the CPU into {count} logical devices: TensorFlow is already "
                "initialised (some cell ran an op first). Restart the kernel and run the cells "
                f"from the top. ({err})") from err
    return tf.config.list_logical_devices("CPU")


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on localhost right now (bound together, then released)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class WorkerResult:
    index: int
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str


def launch_workers(script: str | Path, count: int = 2, args=(), timeout: float = 180,
                   env: dict | None = None) -> list[WorkerResult]:
    """Run ``python script *args`` as ``count`` local workers of one cluster, each with its own
    ``TF_CONFIG`` (free localhost ports; task index 0 to count - 1), and wait for all of them.

    A worker still running after ``timeout`` seconds is killed with the others (its returncode
    is None); nothing is left running. Returns each worker's exit code, stdout and stderr.
    """
    ports = free_ports(count)
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    base = dict(os.environ if env is None else env)
    base.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    procs = []
    try:
        for index in range(count):
            worker_env = dict(base, TF_CONFIG=json.dumps(
                {"cluster": cluster, "task": {"type": "worker", "index": index}}))
            procs.append(subprocess.Popen(
                [sys.executable, str(script), *map(str, args)], env=worker_env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + timeout
        results, timed_out = [], False
        for index, proc in enumerate(procs):
            try:
                out, err = proc.communicate(
                    timeout=None if timed_out else max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
                for other in procs:
                    other.kill()
                out, err = proc.communicate()
                err += f"\nkilled: the workers were still running after {timeout} s"
            results.append(WorkerResult(index, None if timed_out else proc.returncode, out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
