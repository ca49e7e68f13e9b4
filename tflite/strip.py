"""Strip a ``.tflite`` model to what the board runs, with every buffer 16-byte aligned.

:func:`strip_model` drops tensor names, signature defs and metadata the board never reads,
then re-aligns the buffers with TFLite Micro's own aligner (where it is missing, off Linux
x86-64, :func:`pack_aligned` writes every buffer 16-byte aligned, checked after writing by
:func:`misaligned_buffers`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import flatbuffers
import numpy as np

from tflite.errors import PipelineError
from tflite.model_info import TFLITE_IDENTIFIER, model_object, schema


def strip_model(data: bytes) -> bytes:
    """Drop what the board never reads, keep what it runs.

    Removes the model description, subgraph and tensor names, signature defs and metadata
    (``min_runtime_version``, ``CONVERSION_METADATA``; their buffers are emptied), then
    rewrites the flatbuffer with TFLite Micro's aligner so every buffer keeps its 16-byte
    alignment. Operators, weights and quantization are untouched: the caller checks the
    stripped model gives the same outputs.
    """
    model = model_object(data)
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
        return pack_aligned(model_object(data))

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
