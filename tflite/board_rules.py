"""The board's rules: which models the pipeline sends to the Nano 33 BLE Sense, and why not.

- :data:`MICRO_RESOLVER_METHODS`: the operators TFLite Micro implements, and the
  ``MicroMutableOpResolver`` method that registers each;
- :func:`micro_status` says whether TFLite Micro runs a model and whether the course
  deploys it; :func:`require_micro_model` refuses to emit anything but full-integer
  int8, saying whether that is the course's choice or a TFLite Micro limit.

They read a :class:`tflite.model_info.ModelInfo` (:func:`tflite.model_info.inspect_model`).
"""

from __future__ import annotations

from tflite.errors import PipelineError
from tflite.model_info import ModelInfo

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


def micro_unsupported(info: ModelInfo) -> list[str]:
    """Operators in this model that TFLite Micro does not implement."""
    return [
        op for op in info.operators
        if op not in MICRO_RESOLVER_METHODS
        and op.removeprefix("CUSTOM:") not in MICRO_CUSTOM_METHODS
    ]


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
    missing = micro_unsupported(info)
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
    if micro_unsupported(info) or info.kind in MICRO_CANNOT_RUN_KINDS or info.size > MAX_MODEL_BYTES:
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
    if micro_unsupported(info):
        reason += ". TFLite Micro implements: " + ", ".join(sorted(MICRO_RESOLVER_METHODS))
    raise PipelineError(f"{info.source}: refused for the micro target: {reason}")
