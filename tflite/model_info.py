"""Read a ``.tflite`` flatbuffer: operators, tensor types and quantization.

Everything here reads the flatbuffer itself (with the schema module that ships inside the
``tflite-micro`` wheel, or where that wheel is missing, off Linux x86-64, the same schema
module inside LiteRT's ``ai-edge-litert`` wheel), so it needs neither TensorFlow nor a
running interpreter:

- :func:`read_model_file` checks the path and the bytes (exists, is a TFLite flatbuffer,
  not truncated) and returns them;
- :func:`inspect_model` lists operators, inputs/outputs with their quantization, and
  classifies the model (float32, float16, dynamic range, full-integer int8, ...);
- :func:`activation_bytes` and :func:`tensor_and_operator_counts` size what the arena holds.

The board's rules (which models go to the board) are :mod:`tflite.board_rules`; stripping
and aligning a model, :mod:`tflite.strip`; int8 quantization of values, :mod:`tflite.quantization`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

try:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
except ImportError:  # tflite-micro has wheels for Linux x86-64 only; LiteRT ships the same schema
    from ai_edge_litert import schema_py_generated as schema

from tflite.errors import PipelineError

#: The file identifier of a TFLite flatbuffer (bytes 4..8).
TFLITE_IDENTIFIER = b"TFL3"

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


def model_object(data: bytes):
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))


#: Bytes per element of the tensor types a full-integer model holds.
_TYPE_BYTES = {schema.TensorType.INT8: 1, schema.TensorType.UINT8: 1, schema.TensorType.INT16: 2,
               schema.TensorType.INT32: 4, schema.TensorType.FLOAT32: 4, schema.TensorType.INT64: 8,
               schema.TensorType.FLOAT16: 2, schema.TensorType.BOOL: 1}


def activation_bytes(data: bytes) -> int:
    """The bytes of every tensor of the main subgraph that holds no constant data (inputs,
    outputs, activations), summed: the arena's tensors if none shared memory."""
    model = model_object(data)
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
    model = model_object(data)
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
    model = model_object(data)
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


