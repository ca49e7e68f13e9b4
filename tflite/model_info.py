"""Read a ``.tflite`` flatbuffer: operators, tensor types, quantization, and the board's rules.

Everything here reads the flatbuffer itself (with the schema module that ships inside the
``tflite-micro`` wheel, or where that wheel is missing, off Linux x86-64, the same schema
module inside LiteRT's ``ai-edge-litert`` wheel), so it needs neither TensorFlow nor a
running interpreter:

- :func:`read_model_file` checks the path and the bytes (exists, is a TFLite flatbuffer,
  not truncated) and returns them;
- :func:`inspect_model` lists operators, inputs/outputs with their quantization, and
  classifies the model (float32, float16, dynamic range, full-integer int8, ...);
- :func:`micro_status` says whether TFLite Micro runs a model and whether the course
  deploys it; :func:`require_micro_model` refuses to emit anything but full-integer
  int8, saying whether that is the course's choice or a TFLite Micro limit;
- :func:`strip_model` drops tensor names, signature defs and metadata the board never
  reads, then re-aligns the buffers with TFLite Micro's own aligner (where it is missing, a
  packer that writes every buffer 16-byte aligned, checked after writing).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import flatbuffers
import numpy as np

try:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
except ImportError:  # tflite-micro has wheels for Linux x86-64 only; LiteRT ships the same schema
    from ai_edge_litert import schema_py_generated as schema

from tflite.errors import PipelineError

#: The file identifier of a TFLite flatbuffer (bytes 4..8).
TFLITE_IDENTIFIER = b"TFL3"

#: The board's limits (Arduino Nano 33 BLE Sense: 983,040 B flash for a sketch, 256 KB SRAM),
#: leaving room for the sketch, the Arduino core, the TFLM library and the stack.
MAX_MODEL_BYTES = 900 * 1024
MAX_ARENA_BYTES = 200 * 1024

#: Builtin operators TFLite Micro implements, and the ``MicroMutableOpResolver`` method that
#: registers each (from tflite-micro's python_ops_resolver.cc, the list its Python runtime
#: registers). An operator missing here is one TFLite Micro lacks.
MICRO_RESOLVER_METHODS = {
    "ABS": "AddAbs",
    "ADD": "AddAdd",
    "ADD_N": "AddAddN",
    "ARG_MAX": "AddArgMax",
    "ARG_MIN": "AddArgMin",
    "ASSIGN_VARIABLE": "AddAssignVariable",
    "AVERAGE_POOL_2D": "AddAveragePool2D",
    "BATCH_TO_SPACE_ND": "AddBatchToSpaceNd",
    "BROADCAST_ARGS": "AddBroadcastArgs",
    "BROADCAST_TO": "AddBroadcastTo",
    "CALL_ONCE": "AddCallOnce",
    "CAST": "AddCast",
    "CEIL": "AddCeil",
    "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D",
    "COS": "AddCos",
    "CUMSUM": "AddCumSum",
    "DEPTH_TO_SPACE": "AddDepthToSpace",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D",
    "DEQUANTIZE": "AddDequantize",
    "DIV": "AddDiv",
    "ELU": "AddElu",
    "EQUAL": "AddEqual",
    "EXP": "AddExp",
    "EXPAND_DIMS": "AddExpandDims",
    "FILL": "AddFill",
    "FLOOR": "AddFloor",
    "FLOOR_DIV": "AddFloorDiv",
    "FLOOR_MOD": "AddFloorMod",
    "FULLY_CONNECTED": "AddFullyConnected",
    "GATHER": "AddGather",
    "GATHER_ND": "AddGatherNd",
    "GREATER": "AddGreater",
    "GREATER_EQUAL": "AddGreaterEqual",
    "HARD_SWISH": "AddHardSwish",
    "IF": "AddIf",
    "L2_NORMALIZATION": "AddL2Normalization",
    "L2_POOL_2D": "AddL2Pool2D",
    "LEAKY_RELU": "AddLeakyRelu",
    "LESS": "AddLess",
    "LESS_EQUAL": "AddLessEqual",
    "LOG": "AddLog",
    "LOGICAL_AND": "AddLogicalAnd",
    "LOGICAL_NOT": "AddLogicalNot",
    "LOGICAL_OR": "AddLogicalOr",
    "LOGISTIC": "AddLogistic",
    "LOG_SOFTMAX": "AddLogSoftmax",
    "MAX_POOL_2D": "AddMaxPool2D",
    "MAXIMUM": "AddMaximum",
    "MEAN": "AddMean",
    "MINIMUM": "AddMinimum",
    "MIRROR_PAD": "AddMirrorPad",
    "MUL": "AddMul",
    "NEG": "AddNeg",
    "NOT_EQUAL": "AddNotEqual",
    "PACK": "AddPack",
    "PAD": "AddPad",
    "PADV2": "AddPadV2",
    "PRELU": "AddPrelu",
    "QUANTIZE": "AddQuantize",
    "READ_VARIABLE": "AddReadVariable",
    "REDUCE_MAX": "AddReduceMax",
    "RELU": "AddRelu",
    "RELU6": "AddRelu6",
    "RESHAPE": "AddReshape",
    "RESIZE_BILINEAR": "AddResizeBilinear",
    "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor",
    "ROUND": "AddRound",
    "RSQRT": "AddRsqrt",
    "SELECT_V2": "AddSelectV2",
    "SHAPE": "AddShape",
    "SIN": "AddSin",
    "SLICE": "AddSlice",
    "SOFTMAX": "AddSoftmax",
    "SPACE_TO_BATCH_ND": "AddSpaceToBatchNd",
    "SPACE_TO_DEPTH": "AddSpaceToDepth",
    "SPLIT": "AddSplit",
    "SPLIT_V": "AddSplitV",
    "SQRT": "AddSqrt",
    "SQUARE": "AddSquare",
    "SQUARED_DIFFERENCE": "AddSquaredDifference",
    "SQUEEZE": "AddSqueeze",
    "STRIDED_SLICE": "AddStridedSlice",
    "SUB": "AddSub",
    "SUM": "AddSum",
    "SVDF": "AddSvdf",
    "TANH": "AddTanh",
    "TRANSPOSE": "AddTranspose",
    "TRANSPOSE_CONV": "AddTransposeConv",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
    "UNPACK": "AddUnpack",
    "VAR_HANDLE": "AddVarHandle",
    "WHILE": "AddWhile",
    "ZEROS_LIKE": "AddZerosLike",
}
#: Custom operators TFLite Micro ships, by custom code.
MICRO_CUSTOM_METHODS = {"TFLite_Detection_PostProcess": "AddDetectionPostprocess"}

_OP_NAMES = {
    v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)
}
_TYPE_NAMES = {
    v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_") and isinstance(v, int)
}


@dataclass
class TensorInfo:
    """One input or output tensor: name, type, shape and (if quantized) scale and zero point."""

    name: str
    dtype: str
    shape: list[int]
    scale: float | None = None
    zero_point: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ModelInfo:
    """What the board needs to know about a model, read from its flatbuffer."""

    source: str
    size: int
    operators: list[str]
    operator_counts: dict[str, int]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    kind: str
    problems: list[str] = field(default_factory=list)
    subgraphs: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def full_integer(self) -> bool:
        """Every activation and weight int8, biases int32, int8 input and output."""
        return self.kind == "int8" and not self.problems

    @property
    def micro_unsupported(self) -> list[str]:
        """Operators in this model that TFLite Micro does not implement."""
        return [
            op for op in self.operators
            if op not in MICRO_RESOLVER_METHODS
            and op.removeprefix("CUSTOM:") not in MICRO_CUSTOM_METHODS
        ]

    def to_dict(self) -> dict:
        return {
            "bytes": self.size,
            "kind": self.kind,
            "full_integer": self.full_integer,
            "operators": self.operators,
            "operator_counts": self.operator_counts,
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
            "problems": self.problems,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- reading


def read_model_file(path) -> bytes:
    """Return the bytes of a ``.tflite`` file after checking it is a complete TFLite flatbuffer.

    Raises :class:`PipelineError` naming the file for: a path that does not exist, a
    folder, a file that is not a TFLite flatbuffer, a truncated or corrupt model.
    """
    path = Path(path)
    if not path.exists():
        raise PipelineError(f"{path}: no such file")
    if not path.is_file():
        raise PipelineError(f"{path}: is a folder, expected a .tflite model file")
    data = path.read_bytes()
    verify_flatbuffer(data, str(path))
    return data


def verify_flatbuffer(data: bytes, source: str) -> None:
    """Check ``data`` is a TFLite flatbuffer and complete (LiteRT's flatbuffer verifier)."""
    if len(data) < 8:
        raise PipelineError(f"{source}: not a TFLite flatbuffer ({len(data)} bytes, too short)")
    ident = bytes(data[4:8])
    if ident != TFLITE_IDENTIFIER:
        hint = ""
        if data[:4] == b"\x89HDF":
            hint = " (it looks like a Keras .h5 file; convert it with `python -m tflite` first)"
        elif data[:2] == b"PK":
            hint = " (it looks like a zip/.keras file; convert it to .tflite first)"
        raise PipelineError(
            f"{source}: not a TFLite flatbuffer (file identifier {ident!r}, expected "
            f"{TFLITE_IDENTIFIER!r}){hint}"
        )
    try:
        schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))
    except Exception as err:  # noqa: BLE001 - any parse failure means a broken file
        raise PipelineError(
            f"{source}: truncated or corrupt TFLite model ({len(data)} bytes; the flatbuffer "
            f"points past its end: {err}); re-export or copy the file again"
        ) from None
    from ai_edge_litert.interpreter import Interpreter

    try:
        Interpreter(model_content=bytes(data))
    except ValueError as err:
        if "not a valid Flatbuffer" in str(err):
            raise PipelineError(
                f"{source}: truncated or corrupt TFLite model ({len(data)} bytes; the "
                "flatbuffer verifier rejects it); re-export or copy the file again"
            ) from None
    except RuntimeError:
        pass  # e.g. a custom operator LiteRT lacks: a valid flatbuffer all the same


def _model_object(data: bytes):
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))


#: Bytes per element of the tensor types a full-integer model holds.
_TYPE_BYTES = {schema.TensorType.INT8: 1, schema.TensorType.UINT8: 1, schema.TensorType.INT16: 2,
               schema.TensorType.INT32: 4, schema.TensorType.FLOAT32: 4, schema.TensorType.INT64: 8,
               schema.TensorType.FLOAT16: 2, schema.TensorType.BOOL: 1}


def activation_bytes(data: bytes) -> int:
    """The bytes of every tensor of the main subgraph that holds no constant data (inputs,
    outputs, activations), summed: the arena's tensors if none shared memory."""
    model = _model_object(data)
    total = 0
    for tensor in model.subgraphs[0].tensors:
        buffer = model.buffers[tensor.buffer]
        if buffer.data is not None and len(buffer.data):
            continue
        shape = [max(int(s), 1) for s in tensor.shape] if tensor.shape is not None else []
        total += int(np.prod(shape, dtype=np.int64)) * _TYPE_BYTES.get(tensor.type, 8)
    return total


def tensor_and_operator_counts(data: bytes) -> tuple[int, int]:
    """How many tensors and operators the main subgraph has."""
    model = _model_object(data)
    return len(model.subgraphs[0].tensors), len(model.subgraphs[0].operators)


def _op_name(model, opcode_index: int) -> str:
    code = model.operatorCodes[opcode_index]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.customCode.decode() if code.customCode else "?"
        return f"CUSTOM:{custom}"
    return _OP_NAMES.get(builtin, f"BUILTIN_{builtin}")


def _decode(name) -> str:
    if name is None:
        return ""
    return name.decode("utf-8", "replace") if isinstance(name, bytes | bytearray) else str(name)


def _tensor_info(tensor) -> TensorInfo:
    q = tensor.quantization
    scale = zero_point = None
    if q is not None and q.scale is not None and len(q.scale):
        scale = float(q.scale[0])
        zero_point = int(q.zeroPoint[0]) if q.zeroPoint is not None and len(q.zeroPoint) else 0
    shape = [int(s) for s in tensor.shape] if tensor.shape is not None else []
    return TensorInfo(_decode(tensor.name), _TYPE_NAMES.get(tensor.type, str(tensor.type)),
                      shape, scale, zero_point)


def _dynamic_batch(subgraph) -> bool:
    """True if an input's shape signature leaves the batch open (-1), as a Keras model
    converted without a fixed batch size has."""
    for i in subgraph.inputs:
        signature = subgraph.tensors[i].shapeSignature
        if signature is not None and len(signature) and int(signature[0]) == -1:
            return True
    return False


def inspect_model(data: bytes, source: str = "<model>") -> ModelInfo:
    """Operators, inputs/outputs and the kind of a model given as bytes.

    ``kind`` is one of ``"int8"`` (full-integer), ``"float32"``, ``"float16"`` (float16
    weights dequantized at run time), ``"dynamic_range"`` (int8 weights, float
    activations: a hybrid model), ``"int8_float_io"`` (int8 inside, float input/output),
    ``"dynamic_batch"`` (int8 but for the int32 shape arithmetic of an open batch size) or
    ``"mixed"``. ``problems`` lists, in words, every tensor that keeps it from being
    full-integer.
    """
    model = _model_object(data)
    ops: list[str] = []
    counts: dict[str, int] = {}
    problems: list[str] = []
    float_activations = 0
    int8_weights = float16_weights = int8_activations = 0
    for g, sub in enumerate(model.subgraphs):
        tensors = sub.tensors or []
        for op in sub.operators or []:
            name = _op_name(model, op.opcodeIndex)
            if name not in counts:
                ops.append(name)
            counts[name] = counts.get(name, 0) + 1
        for i, t in enumerate(tensors):
            buf = model.buffers[t.buffer] if t.buffer < len(model.buffers) else None
            constant = buf is not None and (
                (buf.data is not None and len(buf.data) > 0) or (buf.offset or 0) > 1
            )
            dtype = _TYPE_NAMES.get(t.type, str(t.type))
            label = f"tensor {i} {_decode(t.name)!r}" if t.name else f"tensor {i}"
            where = f" (subgraph {g})" if len(model.subgraphs) > 1 else ""
            quantized = t.quantization is not None and t.quantization.scale is not None and len(
                t.quantization.scale
            )
            if constant:
                if dtype == "int8":
                    int8_weights += 1
                elif dtype == "float16":
                    float16_weights += 1
                if dtype == "int32":
                    continue  # biases and shape/axis parameters
                if dtype != "int8":
                    problems.append(f"{label}{where} is a {dtype} constant (weights must be int8)")
                elif not quantized:
                    problems.append(f"{label}{where} is int8 without a scale and zero point")
            else:
                if dtype == "float32":
                    float_activations += 1
                if dtype == "int8":
                    int8_activations += 1
                    if not quantized:
                        problems.append(f"{label}{where} is int8 without a scale and zero point")
                else:
                    problems.append(f"{label}{where} is a {dtype} activation (must be int8)")
    notes = []
    per_channel_fc = 0
    for sub in model.subgraphs:
        for op in sub.operators or []:
            if _op_name(model, op.opcodeIndex) != "FULLY_CONNECTED" or len(op.inputs) < 2:
                continue
            q = sub.tensors[op.inputs[1]].quantization
            if q is not None and q.scale is not None and len(q.scale) > 1:
                per_channel_fc += 1
    if per_channel_fc:
        notes.append(
            f"{per_channel_fc} FULLY_CONNECTED layer(s) with per-channel weights: TFLite Micro "
            "supports them only since September 2024 (tflite-micro PR #2673); older builds, "
            "such as the snapshots inside Arduino libraries, compute wrong outputs or refuse "
            "them. Convert with per-tensor Dense weights (tflite.convert's default) to be safe"
        )
    main = model.subgraphs[0]
    inputs = [_tensor_info(main.tensors[i]) for i in main.inputs]
    outputs = [_tensor_info(main.tensors[i]) for i in main.outputs]
    io_int8 = all(t.dtype == "int8" for t in inputs + outputs)
    if not problems:
        kind = "int8"
    elif float16_weights and float_activations:
        kind = "float16"
    elif int8_weights and float_activations and not int8_activations:
        kind = "dynamic_range"
    elif float_activations and not int8_weights and not int8_activations:
        kind = "float32"
    elif int8_activations and not io_int8:
        kind = "int8_float_io"
    elif _dynamic_batch(main) and all("int32 activation" in p for p in problems):
        kind = "dynamic_batch"
    else:
        kind = "mixed"
    return ModelInfo(
        source=source,
        size=len(data),
        operators=ops,
        operator_counts=counts,
        inputs=inputs,
        outputs=outputs,
        kind=kind,
        problems=problems,
        subgraphs=len(model.subgraphs),
        notes=notes,
    )


#: Why a model that is not full-integer int8 does not go to the board, per kind. Each reason
#: says who decides: the course (float32: "by choice") or TFLite Micro ("cannot run").
_KIND_REASONS = {
    "float32": "it is a float32 model (float weights and activations). TFLite Micro runs it with "
    "its float reference kernels, but the course deploys full-integer int8 by choice: one byte "
    "per weight instead of four (about 4x less flash) and the CMSIS-NN int8 kernels (float32 "
    "gets no CMSIS-NN speed-up)",
    "float16": "it is a float16-weight model (float16 weights dequantized to float32 at run time); "
    "TFLite Micro cannot run it: its DEQUANTIZE takes only int8/int16 input",
    "dynamic_range": "it is a dynamic-range (hybrid) model: int8 weights but float32 "
    "activations; TFLite Micro cannot run it: it has no hybrid kernels (e.g. 'Input type: "
    "FLOAT32 with filter type: INT8 not supported')",
    "int8_float_io": "it is int8 inside but its input/output are float32 (QUANTIZE/DEQUANTIZE at "
    "the ends); TFLite Micro runs it, but the course's sketches feed and read int8: convert "
    "with inference_input_type=tf.int8 and inference_output_type=tf.int8",
    "dynamic_batch": "it was converted with a batch size that is not fixed (input shape "
    "signature [-1, ...]), so the converter computes shapes at run time: SHAPE, STRIDED_SLICE "
    "and PACK operators with int32 activations. Convert with a fixed batch of 1, what the board "
    "runs: call the model on keras.Input(shape, batch_size=1) before converting (tflite.convert "
    "does), and the shapes fold into constants",
    "mixed": "not every tensor is int8",
}

#: Kinds TFLite Micro itself cannot run (as opposed to kinds the course chooses not to deploy).
MICRO_CANNOT_RUN_KINDS = ("float16", "dynamic_range")

#: The values of a report's ``micro`` field (see :func:`micro_status`).
MICRO_DEPLOYABLE = "deployable"
MICRO_RUNS_NOT_DEPLOYED = "runs, not deployed: "
MICRO_CANNOT_RUN = "cannot run: "
MICRO_NOT_DEPLOYED = "not deployed: "


def micro_refusal(info: ModelInfo) -> str | None:
    """Why the pipeline does not send this model to the board, in one sentence; ``None`` if it may.

    Only full-integer models pass (every activation and weight int8, biases int32, int8
    input and output), whose operators TFLite Micro implements, in one subgraph, within
    :data:`MAX_MODEL_BYTES`. The reason says whether it is the course's choice (float32)
    or a TFLite Micro limit (dynamic range, float16, a missing operator).
    """
    if not info.full_integer:
        return _KIND_REASONS[info.kind]
    missing = info.micro_unsupported
    if missing:
        return (
            f"operator(s) {', '.join(missing)} not available in TFLite Micro (the board would "
            "stop with \"Didn't find op for builtin opcode\"); replace the layer that produces it"
        )
    if info.subgraphs != 1:
        return f"{info.subgraphs} subgraphs; the generated sketch supports single-subgraph models"
    if info.size > MAX_MODEL_BYTES:
        return (
            f"model is {info.size:,} bytes, more than the {MAX_MODEL_BYTES:,} bytes of flash this "
            "pipeline allows (the Nano 33 BLE Sense has 983,040 bytes for the whole sketch); "
            "make the model smaller"
        )
    return None


def micro_status(info: ModelInfo) -> str:
    """The report's ``micro`` field: can TFLite Micro run this model, and does the course deploy it?

    - ``"deployable"``: full-integer int8 that TFLite Micro runs and the board holds: what
      the course deploys;
    - ``"runs, not deployed: <why>"``: TFLite Micro runs it, the course does not deploy it
      (float32: float reference kernels, about 4x the flash, no CMSIS-NN int8 speed-up;
      float input/output; several subgraphs);
    - ``"cannot run: <why>"``: TFLite Micro cannot run it (dynamic-range/hybrid and
      float16-weight models, an operator it lacks) or the board cannot hold it;
    - ``"not deployed: <why>"``: a mix of types the pipeline does not classify further.
    """
    reason = micro_refusal(info)
    if reason is None:
        return MICRO_DEPLOYABLE
    if info.micro_unsupported or info.kind in MICRO_CANNOT_RUN_KINDS or info.size > MAX_MODEL_BYTES:
        return MICRO_CANNOT_RUN + reason
    if info.kind in ("mixed", "dynamic_batch"):
        return MICRO_NOT_DEPLOYED + reason
    return MICRO_RUNS_NOT_DEPLOYED + reason


def require_micro_model(info: ModelInfo) -> None:
    """Raise :class:`PipelineError` naming the file and the reason if the pipeline must not emit it.

    Emission takes only full-integer int8 models: for float32 that is the course's choice
    (TFLite Micro runs float32), for dynamic-range and float16 models a TFLite Micro limit.
    """
    reason = micro_refusal(info)
    if reason is None:
        return
    if info.kind == "dynamic_batch":
        raise PipelineError(f"{info.source}: refused for the micro target: {reason}")
    if not info.full_integer:
        shown = "; ".join(info.problems[:3])
        more = f" (and {len(info.problems) - 3} more)" if len(info.problems) > 3 else ""
        raise PipelineError(
            f"{info.source}: refused for the micro target: {reason}. Offending tensors: "
            f"{shown}{more}. This pipeline emits full-integer int8 models only: build it with "
            "full-integer int8 quantization (Optimize.DEFAULT, a representative dataset, "
            "TFLITE_BUILTINS_INT8, int8 input and output), e.g. `python -m tflite build` mode int8."
        )
    if info.micro_unsupported:
        reason += ". TFLite Micro implements: " + ", ".join(sorted(MICRO_RESOLVER_METHODS))
    raise PipelineError(f"{info.source}: refused for the micro target: {reason}")


# --------------------------------------------------------------------------- stripping


def strip_model(data: bytes) -> bytes:
    """Drop what the board never reads, keep what it runs.

    Removes the model description, subgraph and tensor names, signature defs and metadata
    (``min_runtime_version``, ``CONVERSION_METADATA``; their buffers are emptied), then
    rewrites the flatbuffer with TFLite Micro's aligner so every buffer keeps its 16-byte
    alignment. Operators, weights and quantization are untouched: the caller checks the
    stripped model gives the same outputs.
    """
    model = _model_object(data)
    model.description = None
    for sub in model.subgraphs:
        sub.name = None
        for t in sub.tensors or []:
            t.name = None
    model.signatureDefs = None
    for meta in model.metadata or []:
        if 0 <= meta.buffer < len(model.buffers):
            model.buffers[meta.buffer].data = None
    model.metadata = None
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    packed = bytes(builder.Output())
    return _align(packed)


#: The alignment TFLite Micro needs for every buffer's data (``force_align: 16`` in the schema).
BUFFER_ALIGNMENT = 16


def _align(data: bytes) -> bytes:
    try:
        from tflite_micro.tensorflow.lite.micro.tools import tflite_flatbuffer_align_wrapper
    except ImportError:  # tflite-micro has wheels for Linux x86-64 only
        return pack_aligned(_model_object(data))

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.tflite"), os.path.join(tmp, "out.tflite")
        Path(src).write_bytes(data)
        tflite_flatbuffer_align_wrapper.align_tflite_model(src, dst)
        return Path(dst).read_bytes()


class _AlignedBufferT(schema.BufferT):
    """A ``BufferT`` whose data vector is written 16-byte aligned.

    The schema's ``data:[ubyte] (force_align: 16)`` is honoured by the C++ flatbuffer code
    (TFLite Micro's aligner) but not by the generated Python ``Pack``, which aligns a byte
    vector to 1 byte.
    """

    def Pack(self, builder):  # noqa: N802 - the flatbuffers object API's name
        data = None
        if self.data is not None:
            payload = np.asarray(self.data, dtype=np.uint8).tobytes()
            builder.StartVector(1, len(payload), BUFFER_ALIGNMENT)
            builder.head = builder.head - len(payload)
            builder.Bytes[builder.head : builder.head + len(payload)] = payload
            builder.vectorNumElems = len(payload)
            data = builder.EndVector()
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        schema.BufferAddOffset(builder, self.offset)
        schema.BufferAddSize(builder, self.size)
        return schema.BufferEnd(builder)


def pack_aligned(model) -> bytes:
    """Write a ``ModelT`` as a TFLite flatbuffer with every buffer's data 16-byte aligned.

    What :func:`strip_model` uses where TFLite Micro's aligner (``tflite-micro``, Linux
    x86-64 only) is missing. The flatbuffer's start is aligned to the largest alignment
    written, so offsets from the start of the file are aligned; :func:`misaligned_buffers`
    checks the result and a misaligned buffer raises :class:`PipelineError`.
    """
    for i, buf in enumerate(model.buffers or []):
        aligned = _AlignedBufferT()
        aligned.data, aligned.offset, aligned.size = buf.data, buf.offset, buf.size
        model.buffers[i] = aligned
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    packed = bytes(builder.Output())
    bad = misaligned_buffers(packed)
    if bad:
        raise PipelineError(f"buffers {bad[:10]} are not {BUFFER_ALIGNMENT}-byte aligned after packing")
    return packed


def misaligned_buffers(data: bytes) -> list[int]:
    """Indices of the buffers whose data does not start at a multiple of 16 bytes in the file."""
    model = schema.Model.GetRootAsModel(bytearray(data), 0)
    bad = []
    for i in range(model.BuffersLength()):
        buf = model.Buffers(i)
        if buf.DataLength() == 0:
            continue
        start = buf._tab.Vector(buf._tab.Offset(4))  # noqa: SLF001 - where the bytes begin
        if start % BUFFER_ALIGNMENT:
            bad.append(i)
    return bad


def quantize(values, scale: float, zero_point: int) -> np.ndarray:
    """Float -> int8 the way TFLite does: round half away from zero, add the zero point, clamp."""
    v = np.asarray(values, dtype=np.float32) / np.float32(scale)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize(values, scale: float, zero_point: int) -> np.ndarray:
    """int8 -> float: ``(q - zero_point) * scale``."""
    return (np.asarray(values, dtype=np.float32) - zero_point) * np.float32(scale)
