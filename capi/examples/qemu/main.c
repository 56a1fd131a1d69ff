/* The firmware tasks (../tasks.c) as a bare-metal C program for QEMU's
 * mps2-an386 (Cortex-M4F), printing through semihosting. The model is
 * embedded 16-byte aligned in flash from TINYSCORE_MODEL_FILE; the scratch
 * size can be set with -DSCRATCH_BYTES=... (the model states what it
 * needs: tinyscore_info.scratch_bytes). */
#include <stdint.h>

#include "tasks.h"

#ifndef TINYSCORE_MODEL_FILE
#error "build with -DTINYSCORE_MODEL_FILE='\"path/to/model.tsm\"'"
#endif
#ifndef SCRATCH_BYTES
#define SCRATCH_BYTES 16384
#endif

__asm__(".section .rodata.model, \"a\"\n"
        ".balign 16\n"
        ".global model_start\n"
        "model_start:\n"
        ".incbin \"" TINYSCORE_MODEL_FILE "\"\n"
        ".global model_end\n"
        "model_end:\n"
        ".previous\n");

extern const uint8_t model_start[], model_end[];

static uint32_t scratch[(SCRATCH_BYTES + 3) / 4];

int main(void) {
    return tasks_run(model_start, (size_t)(model_end - model_start), scratch, sizeof scratch);
}
