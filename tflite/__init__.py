"""The TinyML pipeline: a trained Keras model -> a verified int8 model, C arrays, an Arduino sketch.

Introduced in lab 12 (TinyML). Modules, each named for what it does:

- :mod:`tflite.convert`    build modes (float32, dynamic range, float16, int8, QAT, pruning)
- :mod:`tflite.model_info` read a flatbuffer: operators, tensors, quantization parameters
- :mod:`tflite.board_rules` which models go to the board, and why not
- :mod:`tflite.strip`      strip a model to what the board runs, buffers 16-byte aligned
- :mod:`tflite.quantization` float <-> int8 the way TFLite and the sketches do it
- :mod:`tflite.micro`      run in TensorFlow Lite Micro, measure the arena, compare with LiteRT
- :mod:`tflite.emit`       model_data.h/.cc and op_resolver.h; ``emit_model`` for any model
- :mod:`tflite.sketches`   Arduino sketch folders from ``tflite/templates``
- :mod:`tflite.examples`   the sine, digits and gestures examples
- :mod:`tflite.build`      one example end to end; :mod:`tflite.report` report.json and tables

Command line: ``python -m tflite build`` and ``python -m tflite emit`` (see README.md).
Importing this package imports neither TensorFlow nor tensorflow-model-optimization.
"""

from tflite.errors import PipelineError

__all__ = ["PipelineError"]
