// The model's inference path, shared by the sketch and the board check -- do not edit;
// regenerate with `python -m tflite build`. Needs the Arduino library {{TFLM_LIBRARY}}.
//
// inference.cc is the one source file that sets up and runs the model on the board: the
// sketch calls these functions, and `make board-check` compiles the very same file with
// the library's CMSIS-NN kernels for the Cortex-M4 and runs it under QEMU (tflite/README.md).
#ifndef MODEL_INFERENCE_H_
#define MODEL_INFERENCE_H_

#include <stddef.h>
#include <stdint.h>

// Loads the model, checks its schema version, registers exactly its operators and
// allocates its tensors in the arena (kTensorArenaSize bytes). Returns nullptr on
// success, else a sentence saying what failed.
const char* InferenceSetup();

// Bytes of the arena the interpreter actually uses (valid after InferenceSetup()).
size_t InferenceArenaUsedBytes();

// The model's int8 input (kInputSize values) and output (kOutputSize values).
int8_t* InferenceInput();
const int8_t* InferenceOutput();

// Runs the model once on InferenceInput(); false if Invoke() failed.
bool InferenceInvoke();

// Real value -> int8 with the input tensor's scale and zero point (rounded half away
// from zero, clamped to [-128, 127]); int8 output -> real value.
int8_t QuantizeInput(float value);
float DequantizeOutput(int8_t value);

#endif  // MODEL_INFERENCE_H_
