/* firmware/fixed-only's `sample` and `baseline` in C, for bench/c_firmware.sh:
 * the same work over the C API (check the embedded fixed-point fixture,
 * draw SAMPLES samples, item i from stream i of SEED, print each as
 * "sample <i> [<word>, ...]"; a failure as its status code, which
 * tinyscore.h describes, as the Rust firmware's defmt leaves its texts on
 * the host), and with -DBASELINE the same program
 * without the library (the same start-up, model bytes, scratch and
 * printing, of zeros). The difference of their sizes is what the library
 * adds to a C firmware, as fixed-only's is what the runtime adds to a
 * Rust one. */
#include <inttypes.h>
#include <stdio.h>

#include "tinyscore.h"

#define SAMPLES 4
#define SEED 2026
#define MAX_DIM 64

__asm__(".section .rodata.model, \"a\"\n"
        ".balign 16\n"
        "model_start:\n"
        ".incbin \"" TINYSCORE_MODEL_FILE "\"\n"
        "model_end:\n"
        ".previous\n");
extern const uint8_t model_start[], model_end[];

static uint32_t scratch[1024];

static void print_sample(uint32_t i, const int32_t *x, uint32_t dim) {
    printf("sample %" PRIu32 " [", i);
    for (uint32_t j = 0; j < dim; j++) printf(j ? ", %08" PRIx32 : "%08" PRIx32, (uint32_t)x[j]);
    printf("]\n");
}

int main(void) {
    const uint8_t *volatile bytes = model_start;
    size_t len = (size_t)(model_end - model_start);
    int32_t x[MAX_DIM] = {0};
#ifdef BASELINE
    volatile uint32_t dim = 2;
    printf("model %lu bytes\n", (unsigned long)len + (bytes[0] & 0) + (scratch[0] & 0));
    for (uint32_t i = 0; i < SAMPLES; i++) print_sample(i, x, dim);
#else
    static tinyscore_model model;
    tinyscore_error error;
    tinyscore_info info;
    tinyscore_rng rng;
    if (tinyscore_model_parse(&model, bytes, len, &error) != TINYSCORE_STATUS_OK) {
        printf("error %d\n", (int)error.status);
        return 1;
    }
    tinyscore_model_info(&model, &info);
    if (info.dim > MAX_DIM) return 1;
    for (uint32_t i = 0; i < SAMPLES; i++) {
        tinyscore_rng_init(&rng, SEED, i);
        tinyscore_status s = tinyscore_q16_sample(&model, 0, &rng, scratch, sizeof scratch, x, info.dim);
        if (s != TINYSCORE_STATUS_OK) {
            printf("error %d\n", (int)s);
            return 1;
        }
        print_sample(i, x, info.dim);
    }
#endif
    return 0;
}
