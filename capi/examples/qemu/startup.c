/* Start-up for QEMU's mps2-an386 (Cortex-M4F) without a vendor SDK: the
 * vector table, .data and .bss set up, the FPU enabled (the code is built
 * for the hard-float ABI), newlib's semihosting I/O opened, then main; its
 * result ends QEMU through semihosting (exit). Faults print and exit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _stack_top[];
extern int main(void);
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void Fault_Handler(void);

typedef void (*handler)(void);

__attribute__((section(".vectors"), used)) static const handler vectors[16] = {
    (handler)(uintptr_t)_stack_top, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};

void Reset_Handler(void) {
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
    for (uint32_t *dst = _sbss; dst < _ebss;) *dst++ = 0;
    /* CPACR: full access to CP10 and CP11, the FPU. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
    initialise_monitor_handles();
    exit(main());
}

void Fault_Handler(void) {
    printf("fault\n");
    exit(3);
}

/* newlib's exit runs the fini arrays through these (crti/crtn are not
 * linked with -nostartfiles). */
void _init(void) {}
void _fini(void) {}
