"""Run a model in the TensorFlow Lite Micro runtime, measure its arena, compare with LiteRT.

The TFLite Micro Python runtime (``tflite_micro``) runs TFLite Micro's reference kernels.
The Arduino library runs CMSIS-NN kernels where it has them; for the int8 convolutions,
fully connected layers and pooling the course uses they give the same outputs, but not for
every op: MEAN (global average pooling) differed by up to 5 int8 steps, which is why the
gestures model uses Flatten + Dense. ``make board-check`` compiles the board's kernels and
compares their outputs with this runtime's for every example. The arena
is read from the runtime's recording allocator after a real ``invoke()``, never guessed.

Typical use::

    from tflite.micro import measure_arena, run_micro, arena_size_for
    used = measure_arena(model_bytes)            # bytes the arena actually held
    k_tensor_arena_size = arena_size_for(used)   # + margin, rounded up to 16
    outputs = run_micro(model_bytes, int8_inputs)

TFLite Micro's Python runtime has wheels for Linux x86-64 only. Everything that runs a model
asks :func:`micro_runtime_available` (the report's ``runtime`` field: :func:`runtime_name`);
where it is missing, :func:`runtime_model` returns a :class:`LiteRTModel` (LiteRT's reference
kernels: the same integer arithmetic, not always bit-identical) instead of a
:class:`MicroModel`, and nothing measures the arena: :meth:`LiteRTModel.arena_used` returns
``None`` (not measured).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from tflite.errors import PipelineError

#: Margin added to the measured arena: 1,024 bytes plus 10 %, then rounded up to 16.
#: It covers what the host measurement cannot see on the board: CMSIS-NN scratch buffers
#: (the Arduino library's optimized kernels ask for im2col-style scratch space the
#: reference kernels do not) and differences between TFLite Micro versions. The host is
#: 64-bit, so its pointer-holding structures are larger than the board's 32-bit ones,
#: which makes the measurement itself an upper bound for those.
ARENA_MARGIN_BYTES = 1024
ARENA_MARGIN_FRACTION = 0.10

_ARENA_RE = re.compile(r"Arena allocation total (\d+) bytes")


def arena_size_for(measured: int) -> int:
    """``kTensorArenaSize`` for a measured arena: measured + 1,024 B + 10 %, rounded up to 16."""
    size = measured + ARENA_MARGIN_BYTES + int(np.ceil(measured * ARENA_MARGIN_FRACTION))
    return int((size + 15) // 16 * 16)


#: Where nothing can measure the arena (TFLite Micro's Python runtime missing), it is
#: estimated from the model: the bytes of every tensor without constant data (inputs, outputs,
#: activations, as if none shared memory: at least what the memory planner needs), plus TFLite
#: Micro's own structures, allowed generously per tensor and per operator. On the course's
#: three examples the estimate is 1.8-1.9x the arena measured where the runtime runs
#: (sine 1,504 B, digits 10,816 B, gestures 4,736 B); tests/test_tflite_examples.py checks
#: that it stays above the measurement.
ESTIMATE_BASE_BYTES = 1024
ESTIMATE_PER_TENSOR_BYTES = 100
ESTIMATE_PER_OPERATOR_BYTES = 200


def estimate_arena(data: bytes) -> int:
    """An estimate of the arena TFLite Micro needs for this model, from its flatbuffer alone
    (see :data:`ESTIMATE_BASE_BYTES`): what ``kTensorArenaSize`` starts from where it cannot
    be measured. Not a measurement; ``report.json`` and ``model_data.h`` say so."""
    from tflite.model_info import activation_bytes, tensor_and_operator_counts

    tensors, operators = tensor_and_operator_counts(data)
    return (activation_bytes(data) + ESTIMATE_BASE_BYTES + ESTIMATE_PER_TENSOR_BYTES * tensors
            + ESTIMATE_PER_OPERATOR_BYTES * operators)


@contextlib.contextmanager
def _captured_native_output():
    """Capture what C/C++ code writes to file descriptors 1 and 2 (TFLM logs there)."""
    sys.stdout.flush()
    sys.stderr.flush()
    libc = ctypes.CDLL(None)
    saved = os.dup(1), os.dup(2)
    result = {"text": ""}
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            yield result
        finally:
            libc.fflush(None)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            tmp.seek(0)
            result["text"] = tmp.read().decode("utf-8", "replace")


#: The report's ``runtime`` field where TFLite Micro's Python runtime runs the models.
MICRO_RUNTIME = "TFLite Micro"
#: The report's ``runtime`` field where it is missing and LiteRT measures the models instead.
FALLBACK_RUNTIME = "LiteRT (TFLite Micro's Python runtime is Linux x86-64 only)"
#: The one line printed when falling back (``make tinyml``, ``python -m tflite``, lab 12).
FALLBACK_NOTE = (
    "TFLite Micro's Python runtime (tflite_micro) is not installed here (its wheels are Linux "
    "x86-64 only): int8 models are measured in LiteRT's reference kernels instead and the tensor "
    "arena is not measured; run `make tinyml` on Linux x86-64 or in Colab to measure it"
)


@functools.cache
def micro_runtime_available() -> bool:
    """True if TFLite Micro's Python runtime (``tflite_micro``) imports here (Linux x86-64)."""
    try:
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401
    except ImportError:
        return False
    return True


def measured_in() -> str:
    """Where int8 models are measured here, in a log line's words: "TFLite Micro" or "LiteRT"."""
    return MICRO_RUNTIME if micro_runtime_available() else "LiteRT"


def runtime_name() -> str:
    """Where int8 models are measured: :data:`MICRO_RUNTIME` or :data:`FALLBACK_RUNTIME`."""
    return MICRO_RUNTIME if micro_runtime_available() else FALLBACK_RUNTIME


def _runtime():
    if not micro_runtime_available():
        raise PipelineError(
            "TFLite Micro's Python runtime (the tflite-micro package, module tflite_micro) is not "
            "installed here: its wheels are Linux x86-64 only. Use tflite.micro.runtime_model() "
            "to measure int8 models in LiteRT's reference kernels instead, or run on Linux x86-64 "
            "or in Colab"
        )
    from tflite_micro.python.tflite_micro import runtime

    return runtime


def _tflm_problem(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    return "; ".join(lines[-4:]) if lines else "no log"


class MicroModel:
    """A model loaded in the TFLite Micro runtime (one interpreter, reused for every input).

    ``arena_size`` is the arena handed to the runtime (default: generous); allocation
    errors, missing operators and hybrid models raise :class:`PipelineError` with the
    runtime's own log line.
    """

    def __init__(self, data: bytes, source: str = "<model>", arena_size: int | None = None):
        self.source = source
        self.arena_size = arena_size or max(10 * len(data), 256 * 1024)
        runtime = _runtime()
        with _captured_native_output() as out:
            try:
                self._interp = runtime.Interpreter.from_bytes(
                    bytes(data), arena_size=self.arena_size
                )
                err = None
            except (RuntimeError, ValueError) as e:
                err = e
        if err is not None:
            raise PipelineError(
                f"{source}: TFLite Micro cannot load the model with a {self.arena_size:,}-byte "
                f"arena: {_tflm_problem(out['text']) or err}"
            )
        self.input = self._interp.get_input_details(0)
        self.output = self._interp.get_output_details(0)

    @property
    def input_dtype(self):
        return np.dtype(self.input["dtype"])

    def invoke(self, x: np.ndarray) -> np.ndarray:
        """Run one input (with or without the batch dimension); returns the raw output (batch 1)."""
        shape = tuple(int(s) for s in self.input["shape"])
        arr = np.asarray(x, dtype=self.input_dtype).reshape(shape)
        self._interp.set_input(arr, 0)
        with _captured_native_output() as out:
            try:
                self._interp.invoke()
                err = None
            except RuntimeError as e:
                err = e
        if err is not None:
            raise PipelineError(
                f"{self.source}: TFLite Micro invoke failed: {_tflm_problem(out['text']) or err}"
            )
        return np.array(self._interp.get_output(0))

    def run(self, xs) -> np.ndarray:
        """Run every input in ``xs`` (first axis = samples); returns outputs stacked (N, ...)."""
        return np.stack([self.invoke(x)[0] for x in xs])

    def arena_used(self) -> int:
        """Bytes of arena the runtime actually allocated (call after at least one invoke)."""
        with _captured_native_output() as out:
            self._interp.print_allocations()
        m = _ARENA_RE.search(out["text"])
        if not m:
            raise PipelineError(
                f"{self.source}: could not read the arena size from TFLite Micro "
                f"(print_allocations said: {out['text'][:200]!r})"
            )
        return int(m.group(1))


class LiteRTModel:
    """A model in LiteRT's reference kernels (``reference=False``: its default optimized ones),
    with :class:`MicroModel`'s interface.

    What :func:`runtime_model` returns where TFLite Micro's Python runtime is missing. The
    reference kernels implement the same integer arithmetic as TFLite Micro's, but some
    round differently by a few int8 steps (``report.json``'s ``tflm_vs_litert`` shows by
    how much wherever both ran), so a figure measured here is LiteRT's, not TFLite Micro's.
    The arena is TFLite Micro's own and is not measured here: :meth:`arena_used` returns
    ``None``.
    """

    runtime = FALLBACK_RUNTIME

    def __init__(self, data: bytes, source: str = "<model>", reference: bool = True):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        self.source = source
        kind = OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO
        try:
            self._interp = Interpreter(model_content=bytes(data), experimental_op_resolver_type=kind)
            self._interp.allocate_tensors()
        except (RuntimeError, ValueError) as err:
            raise PipelineError(f"{source}: LiteRT cannot load the model: {err}") from None
        self.input = self._interp.get_input_details()[0]
        self.output = self._interp.get_output_details()[0]

    @property
    def input_dtype(self):
        return np.dtype(self.input["dtype"])

    def invoke(self, x: np.ndarray) -> np.ndarray:
        """Run one input (with or without the batch dimension); returns the raw output (batch 1)."""
        shape = tuple(int(s) for s in self.input["shape"])
        self._interp.set_tensor(self.input["index"],
                                np.asarray(x, dtype=self.input_dtype).reshape(shape))
        try:
            self._interp.invoke()
        except RuntimeError as err:
            raise PipelineError(f"{self.source}: LiteRT invoke failed: {err}") from None
        return np.array(self._interp.get_tensor(self.output["index"]))

    def run(self, xs) -> np.ndarray:
        """Run every input in ``xs`` (first axis = samples); returns outputs stacked (N, ...)."""
        return np.stack([self.invoke(x)[0] for x in xs])

    def arena_used(self) -> None:
        """``None``: only TFLite Micro can measure its arena, and it is not installed here."""
        return None


def runtime_model(data: bytes, source: str = "<model>") -> MicroModel | LiteRTModel:
    """The model in TFLite Micro if its Python runtime is installed, else in LiteRT's reference
    kernels (see :class:`LiteRTModel`); both have ``run``, ``invoke`` and ``arena_used``."""
    if micro_runtime_available():
        return MicroModel(data, source)
    return LiteRTModel(data, source)


def example_input(model: MicroModel | LiteRTModel, seed: int = 0) -> np.ndarray:
    """A random input of the model's shape and type (what the arena measurement feeds it)."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in model.input["shape"])
    if model.input_dtype == np.int8:
        return rng.integers(-128, 128, size=shape).astype(np.int8)
    return rng.normal(size=shape).astype(model.input_dtype)


def measure_arena(data: bytes, source: str = "<model>", sample=None) -> int:
    """Run the model once in TFLite Micro and return the arena bytes it actually used."""
    m = MicroModel(data, source)
    m.invoke(example_input(m) if sample is None else sample)
    return m.arena_used()


#: Run in a child process by ``measure_arena_isolated``: argv = model path, source name.
_ARENA_PROBE = """
import sys
from tflite.errors import PipelineError
from tflite.micro import measure_arena
try:
    print(measure_arena(open(sys.argv[1], "rb").read(), sys.argv[2]))
except PipelineError as err:
    print(err, file=sys.stderr)
    sys.exit(2)
"""


def measure_arena_isolated(data: bytes, source: str = "<model>", timeout: int = 600) -> int:
    """``measure_arena`` in a child process, for models from outside the pipeline.

    On some models the TFLite Micro runtime aborts the whole process from C++ (SIGABRT,
    no Python exception, no message); in a child process that becomes a PipelineError
    naming the model instead of a dead command line or notebook kernel.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.tflite"
        path.write_bytes(data)
        proc = subprocess.run(
            [sys.executable, "-c", _ARENA_PROBE, str(path), source],
            capture_output=True, text=True, timeout=timeout,
        )
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise PipelineError(
            f"{source}: the TFLite Micro runtime crashed ({name}) while loading or running the "
            "model, without saying why; it cannot run this model as it is (check its "
            "operators, shapes and quantization, or simplify the model)"
        )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise PipelineError(lines[-1] if lines else f"{source}: arena measurement failed")
    return int(proc.stdout.split()[-1])


def verify_arena(data: bytes, arena_size: int, source: str = "<model>") -> None:
    """Prove the model allocates and runs with exactly ``arena_size`` bytes of arena."""
    m = MicroModel(data, source, arena_size=arena_size)
    m.invoke(example_input(m))


def run_micro(data: bytes, xs, source: str = "<model>") -> np.ndarray:
    """Outputs of the TFLite Micro runtime for every input in ``xs`` (raw dtype)."""
    return MicroModel(data, source).run(xs)


def run_litert(data: bytes, xs, reference: bool = True) -> np.ndarray:
    """Outputs of LiteRT for every input in ``xs`` (raw dtype), one sample at a time.

    ``reference=True`` uses LiteRT's reference kernels (the ones TFLite Micro mirrors);
    ``False`` its default optimized kernels.
    """
    return LiteRTModel(data, reference=reference).run(xs)


def compare_micro_litert(data: bytes, xs, source: str = "<model>") -> dict:
    """Run the same inputs in TFLite Micro and LiteRT (reference kernels); how far apart?

    Returns ``{"identical": bool, "max_abs_diff": number, "mismatches": int, "samples": n}``;
    for int8 models ``identical`` means bit-exact outputs on every sample.
    """
    a = run_micro(data, xs, source)
    b = run_litert(data, xs, reference=True)
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    per_sample = diff.reshape(len(diff), -1).max(axis=1) if len(diff) else diff
    return {
        "identical": bool(np.array_equal(a, b)),
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
        "mismatches": int((per_sample > 0).sum()),
        "samples": int(len(a)),
    }
