"""One call that makes a run repeatable. Introduced in lab 01 (CNNs)."""

from __future__ import annotations


def set_seed(seed: int = 42, deterministic_ops: bool = True) -> None:
    """Seed Python's ``random``, NumPy and TensorFlow in one call.

    With ``deterministic_ops`` TensorFlow also picks deterministic kernels, so the
    same seed gives the same weights and the same numbers on a rerun.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()
