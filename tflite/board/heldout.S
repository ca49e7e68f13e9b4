/* The held-out inputs, as the binary files the board check writes beside this file:
 * inputs.bin (int8, kNumInputs x kInputSize, already quantized in Python) and probe.bin
 * (float32 real values the sketch's QuantizeInput() must map as Python does). */
  .section .heldout, "a"
  .balign 16
  .global kHeldoutInputs
kHeldoutInputs:
  .incbin "inputs.bin"
  .balign 16
  .global kProbeValues
kProbeValues:
  .incbin "probe.bin"
  .balign 4
  .global kNumInputs
kNumInputs:
  .word NUM_INPUTS
  .global kNumProbeValues
kNumProbeValues:
  .word NUM_PROBE
