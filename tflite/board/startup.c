/* What the Arduino core gives a sketch, for a bare-metal image on QEMU's mps2-an386
 * (Cortex-M4 with FPU): the vector table, a reset handler that copies .data, zeroes .bss,
 * enables the FPU and opens the semihosting streams, and the symbols newlib and the C++
 * run-time expect. Part of `make board-check` (tflite/board_check.py); never on a board. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, __stack_top;
extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void *__dso_handle = 0;
void _init(void) {}
void _fini(void) {}

static void Fault(const char *what) {
  write(2, what, __builtin_strlen(what));
  _exit(3);
}

void HardFault_Handler(void) { Fault("error: hard fault on the emulated Cortex-M4\n"); }
void Default_Handler(void) { Fault("error: unexpected exception on the emulated Cortex-M4\n"); }

void Reset_Handler(void) {
  for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  /* CPACR (0xE000ED88): full access to CP10 and CP11, the FPU, before any float code. */
  *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
  __asm volatile("dsb\n\tisb" ::: "memory");
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))(&__stack_top), Reset_Handler, Default_Handler, HardFault_Handler,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, Default_Handler,
};
