// The board check's main(): runs the sketch's own inference path (inference.cc, compiled
// from the generated sketch folder) on every held-out input and prints what Python compares.
// Part of `make board-check` (tflite/board_check.py); runs under QEMU with semihosting.
//
// Output, one record a line:
//   arena <arena_used_bytes> <kTensorArenaSize>
//   calib <n> <ticks for n loop iterations> <ticks for 2n>   (2 instructions an iteration)
//   o <index> <SysTick ticks for Invoke()> <int8 outputs in hex, two digits each>
//   q <int8 in hex ...>      QuantizeInput() of the probe values, 64 a line
//   d <float bits in hex ...> DequantizeOutput(q) for q = -128 .. 127, 16 a line
//   done
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inference.h"
#include "model_data.h"

extern "C" const int8_t kHeldoutInputs[];
extern "C" const float kProbeValues[];
extern "C" const uint32_t kNumInputs;
extern "C" const uint32_t kNumProbeValues;

// TFLite Micro's log sink; the Arduino library's own one writes to Serial (left out here).
extern "C" void DebugLog(const char* s) { fputs(s, stderr); }

namespace {
volatile uint32_t* const kSysTickCtrl = reinterpret_cast<volatile uint32_t*>(0xE000E010);
volatile uint32_t* const kSysTickLoad = reinterpret_cast<volatile uint32_t*>(0xE000E014);
volatile uint32_t* const kSysTickVal = reinterpret_cast<volatile uint32_t*>(0xE000E018);
constexpr uint32_t kTickMask = 0xFFFFFF;  // SysTick counts down, 24 bits

uint32_t Now() { return *kSysTickVal; }
uint32_t Since(uint32_t start) { return (start - *kSysTickVal) & kTickMask; }

// A loop of exactly 2 instructions an iteration (subs, bne): what one tick is worth.
__attribute__((noinline)) uint32_t TimeLoop(uint32_t n) {
  const uint32_t start = Now();
  __asm volatile("1:\n\tsubs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
  return Since(start);
}

char line[16 + 2 * 4096];
const char kHex[] = "0123456789abcdef";

char* PutHex(char* p, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) *p++ = kHex[(v >> (4 * i)) & 0xF];
  return p;
}
}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOFBF, 4096);
  if (const char* problem = InferenceSetup()) {
    printf("error: %s\n", problem);
    return 1;
  }
  printf("arena %u %u\n", (unsigned)InferenceArenaUsedBytes(), (unsigned)kTensorArenaSize);

  *kSysTickLoad = kTickMask;
  *kSysTickVal = 0;
  *kSysTickCtrl = 5;  // enable, processor clock, no interrupt
  constexpr uint32_t kLoop = 100000;
  const uint32_t t1 = TimeLoop(kLoop);
  const uint32_t t2 = TimeLoop(2 * kLoop);
  printf("calib %u %u %u\n", (unsigned)kLoop, (unsigned)t1, (unsigned)t2);

  for (uint32_t i = 0; i < kNumInputs; ++i) {
    memcpy(InferenceInput(), kHeldoutInputs + (size_t)i * kInputSize, kInputSize);
    const uint32_t start = Now();
    if (!InferenceInvoke()) {
      printf("error: Invoke() failed on input %u\n", (unsigned)i);
      return 1;
    }
    const uint32_t ticks = Since(start);
    char* p = line + sprintf(line, "o %u %u ", (unsigned)i, (unsigned)ticks);
    const int8_t* out = InferenceOutput();
    for (int k = 0; k < kOutputSize; ++k) p = PutHex(p, (uint8_t)out[k], 2);
    *p++ = '\n';
    *p = 0;
    fputs(line, stdout);
  }

  for (uint32_t i = 0; i < kNumProbeValues; i += 64) {
    char* p = line;
    *p++ = 'q';
    for (uint32_t k = i; k < kNumProbeValues && k < i + 64; ++k) {
      *p++ = ' ';
      p = PutHex(p, (uint8_t)QuantizeInput(kProbeValues[k]), 2);
    }
    *p++ = '\n';
    *p = 0;
    fputs(line, stdout);
  }
  for (int q = -128; q < 128; q += 16) {
    char* p = line;
    *p++ = 'd';
    for (int k = q; k < q + 16; ++k) {
      const float y = DequantizeOutput((int8_t)k);
      uint32_t bits;
      memcpy(&bits, &y, sizeof bits);
      *p++ = ' ';
      p = PutHex(p, bits, 8);
    }
    *p++ = '\n';
    *p = 0;
    fputs(line, stdout);
  }
  printf("done\n");
  fflush(stdout);
  return 0;
}
