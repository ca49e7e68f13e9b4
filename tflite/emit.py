"""Write a model as C++ the board compiles: ``model_data.h/.cc`` and ``op_resolver.h``.

- ``model_data.cc`` defines ``alignas(16) const unsigned char <name>[]`` (``const``: it
  stays in flash; 16-byte aligned: TFLite Micro reads the buffers in place) and
  ``const unsigned int <name>_len``; a comment records the source file, its SHA-256, the
  input/output shapes and quantization.
- ``model_data.h`` declares both behind an include guard, with the input/output scale
  and zero point and ``kTensorArenaSize``: the arena TFLite Micro actually used for this
  model plus a documented margin (:func:`tflite.micro.arena_size_for`), rounded up to 16.
- ``op_resolver.h`` is generated from the model's operators: a
  ``tflite::MicroMutableOpResolver<N>`` with N = the number of distinct operators and one
  ``Add...()`` each, and ``RegisterOps()`` that reports failure if any ``Add`` fails.

:func:`emit_model` is the whole step for any full-integer ``.tflite`` file (``python -m
tflite emit``): check, measure, write into a temporary folder, rename into place.

Only TFLite Micro's Python runtime (Linux x86-64 only) can measure the arena. Where it is
missing, the model is checked and run in LiteRT's reference kernels instead, and
``kTensorArenaSize`` is estimated from the model's tensors and operators
(:func:`tflite.micro.estimate_arena`, plus the usual margin), written with a comment saying
it was not measured and how to measure it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course_lib.files import sha256_hex
from tflite.board_rules import (
    MAX_ARENA_BYTES,
    MICRO_CUSTOM_METHODS,
    MICRO_RESOLVER_METHODS,
    require_micro_model,
)
from tflite.errors import PipelineError
from tflite.model_info import ModelInfo, TensorInfo, inspect_model, read_model_file, verify_flatbuffer

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: C and C++ keywords (and a few names the sketch itself uses) an array may not be called.
_RESERVED = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
    "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "restrict", "return", "short", "signed", "sizeof",
    "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
    "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    "_Bool", "_Complex", "_Imaginary", "setup", "loop", "main", "model", "interpreter",
    "tensor_arena",
}


def check_c_identifier(name: str) -> str:
    """Return ``name`` if it can name a C/C++ array, else raise :class:`PipelineError` saying why."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise PipelineError(
            f"array name {name!r} is not a C identifier: use letters, digits and '_', not "
            "starting with a digit (e.g. g_model)"
        )
    if name in _RESERVED:
        raise PipelineError(f"array name {name!r} is a C/C++ keyword or a name the sketch uses")
    if name.startswith("__") or re.match(r"_[A-Z]", name):
        raise PipelineError(
            f"array name {name!r} is reserved for the compiler (leading '__' or '_' + capital)"
        )
    return name


def _quant(t: TensorInfo) -> str:
    if t.scale is None:
        return f"{t.dtype} {t.shape}, not quantized"
    return f"{t.dtype} {t.shape}, scale {t.scale!r}, zero point {t.zero_point}"


def float_literal(v: float) -> str:
    """A C float literal that reads back as the same float32 (9 significant digits)."""
    s = f"{float(v):.9g}"
    if not any(c in s for c in ".eEn"):
        s += ".0"
    return s + "f"


@dataclass
class EmitResult:
    """What :func:`emit_model` wrote and measured (``arena_used`` is ``None`` where TFLite
    Micro's runtime is missing: not measured)."""

    folder: Path
    name: str
    info: ModelInfo
    arena_used: int | None
    arena_size: int
    sha256: str


def model_data_cc(data: bytes, name: str, info: ModelInfo, source_name: str) -> str:
    """The text of ``model_data.cc``: the array in flash, 16-byte aligned, 12 bytes a line."""
    check_c_identifier(name)
    lines = []
    for i in range(0, len(data), 12):
        lines.append("    " + ", ".join(f"0x{b:02x}" for b in data[i : i + 12]) + ",")
    body = "\n".join(lines)
    inp, out = info.inputs[0], info.outputs[0]
    return f"""// Generated by `python -m tflite` -- do not edit; regenerate instead.
// Source:    {source_name}
// SHA-256:   {sha256_hex(data)}
// Bytes:     {len(data)}
// Input:     {_quant(inp)}
// Output:    {_quant(out)}
// Operators: {", ".join(info.operators)}
//
// `const` keeps the array in flash (read-only data), not in RAM; alignas(16) lets
// TFLite Micro read the weights in place.

#include "model_data.h"

alignas(16) const unsigned char {name}[] = {{
{body}
}};
const unsigned int {name}_len = {len(data)};
"""


#: How ``model_data.h`` starts its arena comment where the arena was not measured.
ARENA_NOT_MEASURED = "Arena: NOT MEASURED"


def _arena_comment(arena_used: int | None, arena_size: int) -> str:
    from tflite.micro import ARENA_MARGIN_BYTES, ARENA_MARGIN_FRACTION

    if arena_used is None:
        return f"""// {ARENA_NOT_MEASURED}. Only TFLite Micro's Python runtime measures it, and it was not
// installed where this file was generated (its wheels are Linux x86-64 only).
// kTensorArenaSize is an estimate from the model, not a measurement: its activation
// tensors, an allowance per tensor and per operator for TFLite Micro's own structures,
// and a margin of {ARENA_MARGIN_BYTES} bytes + {int(ARENA_MARGIN_FRACTION * 100)} %, rounded up to 16
// (tflite.micro.estimate_arena). The course's sketches print the arena the board actually
// uses. To measure it, run `make tinyml` (or `python -m tflite emit`) on Linux x86-64 or in Colab."""
    return f"""// Arena: TFLite Micro's Python runtime used {arena_used} bytes for this model (measured
// after AllocateTensors() and Invoke()); kTensorArenaSize adds a margin of
// {ARENA_MARGIN_BYTES} bytes + {int(ARENA_MARGIN_FRACTION * 100)} % for the board's optimized
// kernels' scratch buffers, rounded up to 16."""


def model_data_h(
    data: bytes, name: str, info: ModelInfo, source_name: str, arena_used: int | None,
    arena_size: int,
) -> str:
    """The text of ``model_data.h``: declarations, quantization constants, ``kTensorArenaSize``
    (``arena_used`` ``None``: not measured, said so in the comment above it)."""
    check_c_identifier(name)
    guard = f"{name.upper()}_MODEL_DATA_H_"
    inp, out = info.inputs[0], info.outputs[0]
    in_size = 1
    for s in inp.shape:
        in_size *= max(int(s), 1)
    out_size = 1
    for s in out.shape:
        out_size *= max(int(s), 1)
    return f"""// Generated by `python -m tflite` -- do not edit; regenerate instead.
// Source:  {source_name}
// SHA-256: {sha256_hex(data)}
#ifndef {guard}
#define {guard}

// The model flatbuffer ({len(data)} bytes), defined in model_data.cc.
extern const unsigned char {name}[];
extern const unsigned int {name}_len;

// Input {inp.shape} and output {out.shape}, int8, with the scale and zero point that map
// them to real values: real = (q - zero_point) * scale.
constexpr int kInputSize = {in_size};
constexpr float kInputScale = {float_literal(inp.scale or 0.0)};
constexpr int kInputZeroPoint = {inp.zero_point or 0};
constexpr int kOutputSize = {out_size};
constexpr float kOutputScale = {float_literal(out.scale or 0.0)};
constexpr int kOutputZeroPoint = {out.zero_point or 0};

{_arena_comment(arena_used, arena_size)}
constexpr int kTensorArenaSize = {arena_size};

#endif  // {guard}
"""


def op_resolver_h(info: ModelInfo, source_name: str, sha256: str) -> str:
    """The text of ``op_resolver.h`` for exactly the operators in ``info``."""
    methods = []
    for op in info.operators:
        if op.startswith("CUSTOM:"):
            method = MICRO_CUSTOM_METHODS.get(op.removeprefix("CUSTOM:"))
        else:
            method = MICRO_RESOLVER_METHODS.get(op)
        if method is None:
            raise PipelineError(f"{info.source}: operator {op} not available in TFLite Micro")
        methods.append((op, method))
    n = len(methods)
    adds = "\n".join(
        f"  if (resolver.{m}() != kTfLiteOk) return kTfLiteError;  // {op}" for op, m in methods
    )
    return f"""// Generated by `python -m tflite` -- do not edit; regenerate instead.
// Operators of {source_name} (SHA-256 {sha256[:16]}...), one Add...() each.
#ifndef MODEL_OP_RESOLVER_H_
#define MODEL_OP_RESOLVER_H_

#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

// The number of distinct operators the model uses: an Add...() past it fails.
constexpr int kNumberOfOps = {n};
using ModelOpResolver = tflite::MicroMutableOpResolver<{n}>;

// Registers every operator the model needs; kTfLiteError if any registration fails.
inline TfLiteStatus RegisterOps(ModelOpResolver& resolver) {{
{adds}
  return kTfLiteOk;
}}

#endif  // MODEL_OP_RESOLVER_H_
"""


_ARRAY_RE = (
    r"(?:alignas\s*\(\s*\d+\s*\)\s*)?(?:static\s+)?(?:const\s+)?unsigned\s+char\s+{name}"
    r"\s*\[\s*\]\s*(?:[A-Za-z_()0-9 ]*)=\s*\{{(?P<body>[^}}]*)\}}"
)


def read_c_array(path, name: str = "g_model") -> bytes:
    """Parse the bytes of array ``name`` back out of a ``.cc`` file (ours or ``xxd -i``'s)."""
    path = Path(path)
    text = path.read_text()
    text = re.sub(r"//[^\n]*", "", text)
    m = re.search(_ARRAY_RE.format(name=re.escape(name)), text)
    if not m:
        raise PipelineError(f"{path}: no array named {name!r}")
    tokens = [t.strip() for t in m.group("body").split(",") if t.strip()]
    try:
        return bytes(int(t, 0) for t in tokens)
    except ValueError as err:
        raise PipelineError(f"{path}: array {name!r} holds a non-byte value ({err})") from None


def write_c_files(
    folder: Path, data: bytes, name: str, info: ModelInfo, source_name: str,
    arena_used: int | None, arena_size: int,
) -> None:
    """Write model_data.cc, model_data.h and op_resolver.h into ``folder`` (which must exist)."""
    folder = Path(folder)
    (folder / "model_data.cc").write_text(model_data_cc(data, name, info, source_name))
    (folder / "model_data.h").write_text(
        model_data_h(data, name, info, source_name, arena_used, arena_size)
    )
    (folder / "op_resolver.h").write_text(op_resolver_h(info, source_name, sha256_hex(data)))


def check_arena(arena_size: int, source: str) -> None:
    """Refuse an arena the board cannot hold next to a sketch (more than 200 KB of 256 KB SRAM)."""
    if arena_size > MAX_ARENA_BYTES:
        raise PipelineError(
            f"{source}: the tensor arena needs {arena_size:,} bytes, more than the "
            f"{MAX_ARENA_BYTES:,} bytes this pipeline allows (the board has 256 KB of SRAM "
            "for everything); use smaller activations (fewer filters, more pooling, smaller "
            "input)"
        )


class staged_folder:  # noqa: N801 - used as a context manager, reads like a function
    """Build an output folder in a temporary sibling and rename it into place on success.

    On any exception the temporary folder is removed and ``dest`` is left as it was, so
    a failed run never leaves a partial output folder. An existing ``dest`` is replaced
    only after the new one is complete.
    """

    def __init__(self, dest):
        self.dest = Path(dest)

    def __enter__(self) -> Path:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.tmp-", dir=self.dest.parent))
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        old = None
        if self.dest.exists():
            old = self.dest.with_name(f".{self.dest.name}.old-{self.tmp.name[-8:]}")
            self.dest.rename(old)
        self.tmp.rename(self.dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return False


def prepare_micro_model(data: bytes, source: str):
    """Check a model for the board and measure it: ``(info, arena_used, arena_size)``.

    Refuses non-full-integer models, operators TFLite Micro lacks and models or arenas
    too big for the board; runs the model in TFLite Micro (first in a child process, so a
    runtime crash becomes an error) to measure the arena and proves it runs with exactly
    ``kTensorArenaSize`` bytes.

    Where TFLite Micro's Python runtime is missing, the same checks run except the arena's:
    the model runs once in LiteRT's reference kernels, ``arena_used`` is ``None`` (not
    measured) and ``arena_size`` is :func:`tflite.micro.estimate_arena` plus the usual margin.
    """
    from tflite.micro import (
        LiteRTModel,
        arena_size_for,
        estimate_arena,
        example_input,
        measure_arena_isolated,
        micro_runtime_available,
        verify_arena,
    )

    info = inspect_model(data, source)
    require_micro_model(info)
    if not micro_runtime_available():
        m = LiteRTModel(data, source)
        m.invoke(example_input(m))
        size = arena_size_for(estimate_arena(data))
        check_arena(size, source)
        return info, None, size
    used = measure_arena_isolated(data, source)
    size = arena_size_for(used)
    check_arena(size, source)
    verify_arena(data, size, source)
    return info, used, size


def emit_model(model, out, name: str = "g_model") -> EmitResult:
    """Check a full-integer model and write the C files for the board into folder ``out``.

    ``model`` is a path to a ``.tflite`` file or the model's bytes. Writes
    ``model.tflite`` (a copy), ``model_data.cc``, ``model_data.h`` and ``op_resolver.h``.
    Every problem raises :class:`PipelineError` naming the file before anything is
    written; ``out`` appears only when complete (an existing ``out`` is replaced).
    """
    check_c_identifier(name)
    if isinstance(model, bytes | bytearray):
        data, source, source_name = bytes(model), "<model bytes>", "model.tflite"
        verify_flatbuffer(data, source)
    else:
        data = read_model_file(model)
        source, source_name = str(model), Path(model).name
    info, used, size = prepare_micro_model(data, source)
    with staged_folder(out) as tmp:
        (tmp / "model.tflite").write_bytes(data)
        write_c_files(tmp, data, name, info, source_name, used, size)
    return EmitResult(Path(out), name, info, used, size, sha256_hex(data))
