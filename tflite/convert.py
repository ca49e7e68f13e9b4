"""Build modes: one trained Keras model, six ``.tflite`` files to compare side by side.

==================  ==========================================================  =====================
mode                what the converter does                                     TFLite Micro / board
==================  ==========================================================  =====================
``float32``         no optimization                                             runs (float reference
                                                                                kernels); not deployed
                                                                                by choice: ~4x flash,
                                                                                no CMSIS-NN int8
``dynamic_range``   ``Optimize.DEFAULT``, no data: int8 weights, float math     cannot run (hybrid)
``float16``         float16 weights, dequantized to float32 at run time         cannot run
``int8``            full-integer post-training quantization with a              deployable
                    representative dataset, int8 input and output
``qat_int8``        quantization-aware training (tensorflow-model-optimization)  deployable
                    fine-tunes with fake quantization, then full-integer int8
``pruned_int8``     magnitude pruning to >= 50 % zero weights while             deployable
                    fine-tuning, then full-integer int8 (the flatbuffer keeps
                    the zeros, so only the gzip size shrinks)
==================  ==========================================================  =====================

QAT and pruning use tensorflow-model-optimization, which only accepts tf-keras
(Keras 2) models and, when imported, sets ``TF_USE_LEGACY_KERAS=1``. If ``tf.keras`` has
not been touched yet, that silently turns it into Keras 2 for the rest of the process.
:func:`tfmot_guard` therefore resolves ``tf.keras`` first, imports tfmot only inside the
QAT/pruning functions, and restores the environment variable; the Keras 3 model is
rebuilt as a tf-keras model explicitly (:func:`to_tf_keras`).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Callable, Iterable

import numpy as np

from tflite.errors import PipelineError

MODES = ("float32", "dynamic_range", "float16", "int8", "qat_int8", "pruned_int8")
#: Modes whose models are full-integer: the ones the course deploys to the board.
MICRO_MODES = ("int8", "qat_int8", "pruned_int8")


def representative_dataset(x, n: int = 300, seed: int = 0) -> Callable[[], Iterable[list]]:
    """A representative dataset for the converter: up to ``n`` samples, batch 1, float32.

    The converter calibrates every activation's int8 range from these samples, including
    the input's: give it data that spans the input's real range (for sine, x from 0 to
    2 pi exactly, so the input's int8 step covers [0, 2 pi] and nothing else).
    """
    x = np.asarray(x, dtype=np.float32)
    if len(x) > n:
        idx = np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
        x = x[idx]

    def gen():
        for i in range(len(x)):
            yield [x[i : i + 1]]

    return gen


@contextlib.contextmanager
def _quiet_converter():
    """Keep the converter's chatter (saved-artifact listings, MLIR logs) off the console."""
    from tflite.micro import _captured_native_output

    with (
        _captured_native_output() as native,
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
    ):
        # "Statistics for quantized inputs were expected": int8 input without min/max stats,
        # which is what we ask for (the representative dataset calibrates the input).
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
        failure = None
        try:
            yield
        except PipelineError:
            raise
        except Exception as err:  # noqa: BLE001 - the converter raises many kinds
            failure = err
    if failure is not None:
        lines = [ln for ln in native["text"].splitlines() if ln.strip() and not ln.startswith("I0000")]
        log = " | ".join(lines[-3:])
        raise PipelineError(f"TFLite converter failed: {failure}" + (f" (log: {log})" if log else ""))


def _batch_one(model):
    """The same model (same layers and weights) called on an input with batch size 1."""
    if type(model).__module__.startswith("tf_keras"):
        import tf_keras as k
    else:
        import keras as k
    inp = k.Input(shape=tuple(model.input_shape[1:]), batch_size=1)
    return k.Model(inp, model(inp, training=False), name=f"{model.name}_batch1")


def _converter(model):
    """A converter for ``model`` with a fixed batch size of 1.

    A fixed batch of 1 (what the board runs) lets the converter fold every shape
    computation into constants: a Flatten becomes one RESHAPE with a constant shape
    instead of SHAPE/STRIDED_SLICE/PACK ops with int32 activations.
    """
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(_batch_one(model))


def convert(model, mode: str, representative=None, per_channel_dense: bool = False) -> bytes:
    """Convert a Keras (3 or tf-keras) model with one of :data:`MODES`' conversions.

    ``representative`` (a callable from :func:`representative_dataset`) is required for
    the full-integer modes. Dense layers are quantized per tensor (one scale per layer)
    unless ``per_channel_dense=True``: TFLite Micro only supports per-channel
    FULLY_CONNECTED since September 2024 (tflite-micro PR #2673); older builds, such as
    the snapshots inside Arduino libraries, compute wrong outputs or refuse the model.
    Convolutions are per channel either way (supported everywhere).
    QAT and pruning are training steps: run :func:`quantization_aware_training` or
    :func:`prune` first and convert their result with mode ``"int8"``.
    """
    import tensorflow as tf

    if mode not in ("float32", "dynamic_range", "float16", "int8"):
        raise PipelineError(
            f"convert: mode {mode!r} is not a conversion; use float32, dynamic_range, float16 "
            "or int8 (qat_int8 and pruned_int8 train first, then convert as int8)"
        )
    with _quiet_converter():
        c = _converter(model)
        if mode == "dynamic_range":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
        elif mode == "float16":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.target_spec.supported_types = [tf.float16]
        elif mode == "int8":
            if representative is None:
                raise PipelineError("convert: full-integer int8 needs a representative dataset")
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.representative_dataset = representative
            c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
            c._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel_dense
        return bytes(c.convert())


# --------------------------------------------------------------------------- tfmot + tf-keras


@contextlib.contextmanager
def tfmot_guard():
    """Import tensorflow-model-optimization without switching anyone's Keras.

    Resolves ``tf.keras`` first (so it stays what it was, Keras 3 by default), imports
    tfmot, and restores ``TF_USE_LEGACY_KERAS`` afterwards. Yields the tfmot module.
    """
    import tensorflow as tf

    saved = os.environ.get("TF_USE_LEGACY_KERAS")
    getattr(tf.keras, "__name__", None)  # resolve the lazy tf.keras before tfmot can flip it
    _ = tf.keras.layers
    try:
        import tensorflow_model_optimization as tfmot

        yield tfmot
    finally:
        if saved is None:
            os.environ.pop("TF_USE_LEGACY_KERAS", None)
        else:
            os.environ["TF_USE_LEGACY_KERAS"] = saved


# Layers that do nothing at inference: dropped from the tf-keras copy.
_INFERENCE_NOOPS = {"Dropout", "GaussianNoise", "GaussianDropout", "SpatialDropout1D",
                    "SpatialDropout2D", "ActivityRegularization"}
_DROP_KEYS = {"dtype", "quantization_config", "lora_rank", "lora_alpha", "synchronized",
              "batch_shape", "batch_input_shape", "sparse", "ragged", "optional", "seed",
              "trainable", "gamma_regularizer", "beta_regularizer"}
_SUPPORTED = {"Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
              "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten",
              "Reshape", "BatchNormalization", "ReLU", "Activation", "Softmax", "ZeroPadding2D"}


def to_tf_keras(model):
    """Rebuild a Keras 3 ``Sequential`` model as a tf-keras (Keras 2) model with the same weights.

    tensorflow-model-optimization accepts only tf-keras models. Supported layers:
    Dense, Conv2D, DepthwiseConv2D, SeparableConv2D, pooling, Flatten, Reshape,
    BatchNormalization, ReLU/Activation/Softmax, ZeroPadding2D; inference no-ops
    (Dropout, GaussianNoise, ...) are dropped. Anything else raises :class:`PipelineError`.
    """
    import tf_keras

    if type(model).__module__.startswith("tf_keras"):
        return model
    if type(model).__name__ != "Sequential":
        raise PipelineError(
            f"QAT/pruning: this pipeline rebuilds Sequential models only, got {type(model).__name__}"
        )
    layers = [tf_keras.Input(shape=tuple(model.input_shape[1:]))]
    pairs = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls in _INFERENCE_NOOPS:
            continue
        if cls not in _SUPPORTED:
            raise PipelineError(
                f"QAT/pruning: layer {layer.name!r} ({cls}) is not supported by the tf-keras "
                f"rebuild; supported: {', '.join(sorted(_SUPPORTED))}"
            )
        cfg = {
            k: v for k, v in layer.get_config().items()
            if k not in _DROP_KEYS and not k.endswith(("_initializer", "_regularizer", "_constraint"))
        }
        new = getattr(tf_keras.layers, cls).from_config(cfg)
        layers.append(new)
        pairs.append((layer, new))
    clone = tf_keras.Sequential(layers, name=f"{model.name}_tf_keras")
    for old, new in pairs:
        new.set_weights(old.get_weights())
    return clone


def _fit(model, x, y, loss, epochs, batch_size, lr, callbacks=None, seed=0):
    import tf_keras

    model.compile(optimizer=tf_keras.optimizers.Adam(lr), loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True,
              callbacks=callbacks or [])
    return model


def quantization_aware_training(model, x, y, *, loss, epochs=2, batch_size=64,
                                learning_rate=2e-4):
    """Fine-tune a copy of ``model`` with fake quantization (tfmot QAT); returns the tf-keras model.

    Convert the result with ``convert(qat_model, "int8", representative)``: the converter
    then uses the ranges QAT learned. ``model`` itself is not changed.
    """
    with tfmot_guard() as tfmot:
        k2 = to_tf_keras(model)
        try:
            q = tfmot.quantization.keras.quantize_model(k2)
        except Exception as err:  # noqa: BLE001 - tfmot raises bare RuntimeError/ValueError
            raise PipelineError(f"QAT: tensorflow-model-optimization refused the model: {err}") from None
        return _fit(q, x, y, loss, epochs, batch_size, learning_rate)


def prune(model, x, y, *, loss, target_sparsity=0.5, epochs=3, batch_size=64,
          learning_rate=5e-4):
    """Fine-tune a copy of ``model`` while zeroing its smallest weights; returns a tf-keras model.

    Sparsity ramps (polynomial decay) from 0 to ``target_sparsity`` over the first two
    thirds of the steps, then holds; the pruning wrappers are stripped at the end, so the
    result converts like any model. Use :func:`weight_sparsity` to check the zeros.
    """
    if not 0.0 < target_sparsity < 1.0:
        raise PipelineError(f"prune: target_sparsity must be in (0, 1), got {target_sparsity}")
    with tfmot_guard() as tfmot:
        k2 = to_tf_keras(model)
        steps = max(1, int(np.ceil(len(x) / batch_size)) * epochs)
        schedule = tfmot.sparsity.keras.PolynomialDecay(
            initial_sparsity=0.0, final_sparsity=target_sparsity, begin_step=0,
            end_step=max(1, int(steps * 2 / 3)), frequency=max(1, steps // 20),
        )
        p = tfmot.sparsity.keras.prune_low_magnitude(k2, pruning_schedule=schedule)
        _fit(p, x, y, loss, epochs, batch_size, learning_rate,
             callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
        return tfmot.sparsity.keras.strip_pruning(p)


def weight_sparsity(model) -> float:
    """Fraction of zeros among the kernels (weights with 2 or more dimensions) of a Keras model."""
    total = zeros = 0
    for w in model.get_weights():
        if w.ndim >= 2:
            total += w.size
            zeros += int((w == 0).sum())
    return zeros / total if total else 0.0
