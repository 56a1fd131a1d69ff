/* The firmware tasks in C (see tasks.h and firmware/app/src/lib.rs for the
 * tasks and the output format). Item i of every task draws from
 * tinyscore_rng_init(rng, SEED, i), as the Rust firmware and the host do.
 * States are kept as 32-bit words: float model units for f32 and f16
 * models, Q16.16 for fixed point; each task calls the matching function.
 * State lines end with the values in data units, also as words (f32 bits,
 * or Q16.16 from the integer conversion), where the Rust firmware prints
 * decimals. */
#include "tasks.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tinyscore.h"

#ifndef TASKS_ITEMS
#define TASKS_ITEMS 64u
#endif
#define SEED 2026u
#define GUIDANCE 1.5f
#define GUIDANCE_Q16 98304 /* 1.5 in Q16.16 */
#define RESAMPLE 2u
#define SPIKE 4 /* model units */

typedef union {
    float f[TASKS_MAX_DIM];
    int32_t q[TASKS_MAX_DIM];
    uint32_t w[TASKS_MAX_DIM];
} state;

struct run {
    tinyscore_model model;
    tinyscore_info info;
    void *scratch;
    size_t scratch_bytes;
    bool fixed;
};

static const char *backend_name(tinyscore_backend backend) {
    switch (backend) {
    case TINYSCORE_BACKEND_F32: return "F32";
    case TINYSCORE_BACKEND_F16: return "F16";
    default: return "Fixed";
    }
}

/* CRC-32 (IEEE, reflected), of each word's little-endian bytes. */
static uint32_t crc_word(uint32_t crc, uint32_t word) {
    for (int b = 0; b < 4; b++) {
        crc ^= (word >> (8 * b)) & 0xffu;
        for (int k = 0; k < 8; k++) crc = (crc & 1u) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc;
}

/* `x` in data units: f32 values for f32 and f16 models, Q16.16 for fixed
 * point. */
static tinyscore_status to_data(const struct run *r, const state *x, state *data) {
    memcpy(data, x, r->info.dim * sizeof x->w[0]);
    if (r->fixed) return tinyscore_q16_to_data(&r->model, data->q, r->info.dim, 16);
    return tinyscore_f32_to_data(&r->model, data->f, r->info.dim);
}

/* Prints " [w0, w1, …] data [d0, d1, …]" and the newline: the state's
 * words, added to `crc`, then the words of its values in data units. */
static void print_words(const state *x, const state *data, uint32_t dim, uint32_t *crc) {
    printf(" [");
    for (uint32_t j = 0; j < dim; j++) {
        *crc = crc_word(*crc, x->w[j]);
        printf(j ? ", %08" PRIx32 : "%08" PRIx32, x->w[j]);
    }
    printf("] data [");
    for (uint32_t j = 0; j < dim; j++) printf(j ? ", %08" PRIx32 : "%08" PRIx32, data->w[j]);
    printf("]\n");
}

static tinyscore_status draw(struct run *r, tinyscore_rng *rng, state *x) {
    if (r->fixed)
        return tinyscore_q16_sample(&r->model, 0, rng, r->scratch, r->scratch_bytes, x->q, r->info.dim);
    return tinyscore_f32_sample(&r->model, 0, rng, r->scratch, r->scratch_bytes, x->f, r->info.dim);
}

static tinyscore_status guided(struct run *r, uint32_t class_id, tinyscore_rng *rng, state *x) {
    if (r->fixed)
        return tinyscore_q16_guided(&r->model, 0, class_id, GUIDANCE_Q16, rng, r->scratch,
                                    r->scratch_bytes, x->q, r->info.dim);
    return tinyscore_f32_guided(&r->model, 0, class_id, GUIDANCE, rng, r->scratch, r->scratch_bytes,
                                x->f, r->info.dim);
}

static tinyscore_status impute(struct run *r, const state *observed, const bool *mask,
                               tinyscore_rng *rng, state *x) {
    if (r->fixed)
        return tinyscore_q16_impute(&r->model, 0, RESAMPLE, rng, r->scratch, r->scratch_bytes,
                                    observed->q, mask, x->q, r->info.dim);
    return tinyscore_f32_impute(&r->model, 0, RESAMPLE, rng, r->scratch, r->scratch_bytes,
                                observed->f, mask, x->f, r->info.dim);
}

static tinyscore_status denoise(struct run *r, uint32_t row, tinyscore_rng *rng, state *x) {
    if (r->fixed)
        return tinyscore_q16_denoise(&r->model, 0, row, rng, r->scratch, r->scratch_bytes, x->q,
                                     r->info.dim);
    return tinyscore_f32_denoise(&r->model, 0, row, rng, r->scratch, r->scratch_bytes, x->f,
                                 r->info.dim);
}

/* The score's bits (f32 bits, or the Q32.32 value) and the decision. */
static tinyscore_status score(struct run *r, tinyscore_rng *rng, const state *x, uint64_t *bits,
                              bool *anomaly) {
    tinyscore_status s;
    if (r->fixed) {
        tinyscore_verdict_q16 v;
        s = tinyscore_q16_score(&r->model, rng, r->scratch, r->scratch_bytes, x->q, r->info.dim, &v);
        *bits = (uint64_t)v.score;
        *anomaly = v.anomaly;
    } else {
        tinyscore_verdict_f32 v;
        uint32_t word;
        s = tinyscore_f32_score(&r->model, rng, r->scratch, r->scratch_bytes, x->f, r->info.dim, &v);
        memcpy(&word, &v.score, sizeof word);
        *bits = word;
        *anomaly = v.anomaly;
    }
    return s;
}

/* Prints "score <i> <input> <bits, 16 hex digits> <anomaly>" (two halves:
 * not every C library prints 64-bit integers). */
static void print_score(uint32_t i, const char *input, uint64_t bits, bool anomaly) {
    printf("score %" PRIu32 " %s %08" PRIx32 "%08" PRIx32 " %s\n", i, input, (uint32_t)(bits >> 32),
           (uint32_t)bits, anomaly ? "true" : "false");
}

/* Adds SPIKE model units to coordinate i mod dim (saturating in Q16.16). */
static void spike(struct run *r, state *x, uint32_t i) {
    uint32_t at = i % r->info.dim;
    if (r->fixed) {
        int64_t v = (int64_t)x->q[at] + ((int64_t)SPIKE << 16);
        x->q[at] = v > INT32_MAX ? INT32_MAX : (int32_t)v;
    } else {
        x->f[at] += (float)SPIKE;
    }
}

#define TRY(call)                                                                                  \
    do {                                                                                           \
        tinyscore_status status_ = (call);                                                         \
        if (status_ != TINYSCORE_STATUS_OK) {                                                      \
            printf("error %s\n", tinyscore_status_text(status_));                                  \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int tasks_run(const uint8_t *bytes, size_t len, void *scratch, size_t scratch_bytes) {
    static struct run r;
    static state x, observed, data;
    static bool mask[TASKS_MAX_DIM];
    tinyscore_error error;
    tinyscore_rng rng;
    if (tinyscore_model_parse(&r.model, bytes, len, &error) != TINYSCORE_STATUS_OK) {
        printf("error %s\n", error.message);
        return 1;
    }
    TRY(tinyscore_model_info(&r.model, &r.info));
    uint32_t dim = r.info.dim, rows;
    if (dim > TASKS_MAX_DIM) {
        printf("error dimension %" PRIu32 " above TASKS_MAX_DIM %d\n", dim, TASKS_MAX_DIM);
        return 1;
    }
    if (r.info.scratch_bytes > scratch_bytes) {
        printf("error scratch needs %lu bytes, has %lu\n", (unsigned long)r.info.scratch_bytes,
               (unsigned long)scratch_bytes);
        return 1;
    }
    TRY(tinyscore_plan_rows(&r.model, 0, &rows));
    r.scratch = scratch;
    r.scratch_bytes = scratch_bytes;
    r.fixed = r.info.backend == TINYSCORE_BACKEND_FIXED;
    printf("model %s dim %" PRIu32 " rows %" PRIu32 " scratch %lu classes %" PRIu32 " detector %s\n",
           backend_name(r.info.backend), dim, rows, (unsigned long)r.info.scratch_bytes, r.info.classes,
           r.info.has_detector ? "true" : "false");

    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < TASKS_ITEMS; i++) {
        tinyscore_rng_init(&rng, SEED, i);
        TRY(draw(&r, &rng, &x));
        TRY(to_data(&r, &x, &data));
        printf("sample %" PRIu32, i);
        print_words(&x, &data, dim, &crc);
    }
    printf("crc %08" PRIx32 "\n", ~crc);

    if (r.info.classes > 0) {
        crc = 0xffffffffu;
        for (uint32_t i = 0; i < TASKS_ITEMS; i++) {
            uint32_t class_id = i % r.info.classes;
            tinyscore_rng_init(&rng, SEED, i);
            TRY(guided(&r, class_id, &rng, &x));
            TRY(to_data(&r, &x, &data));
            printf("guided %" PRIu32 " class %" PRIu32, i, class_id);
            print_words(&x, &data, dim, &crc);
        }
        printf("crc %08" PRIx32 "\n", ~crc);
    }

    /* Every fourth coordinate dropped, from i mod 4 (firmware/app `dropped`). */
    crc = 0xffffffffu;
    for (uint32_t i = 0; i < TASKS_ITEMS; i++) {
        uint32_t first = (i % 4) % (dim < 4 ? dim : 4);
        for (uint32_t j = 0; j < dim; j++) mask[j] = j % 4 != first;
        tinyscore_rng_init(&rng, SEED, i);
        TRY(draw(&r, &rng, &observed));
        TRY(impute(&r, &observed, mask, &rng, &x));
        TRY(to_data(&r, &x, &data));
        printf("impute %" PRIu32, i);
        print_words(&x, &data, dim, &crc);
    }
    printf("crc %08" PRIx32 "\n", ~crc);

    crc = 0xffffffffu;
    for (uint32_t i = 0; i < TASKS_ITEMS; i++) {
        tinyscore_rng_init(&rng, SEED, i);
        TRY(draw(&r, &rng, &x));
        spike(&r, &x, i);
        TRY(denoise(&r, rows / 2, &rng, &x));
        TRY(to_data(&r, &x, &data));
        printf("denoise %" PRIu32, i);
        print_words(&x, &data, dim, &crc);
    }
    printf("crc %08" PRIx32 "\n", ~crc);

    if (r.info.has_detector) {
        for (uint32_t i = 0; i < TASKS_ITEMS; i++) {
            uint64_t bits;
            bool anomaly;
            tinyscore_rng_init(&rng, SEED, i);
            TRY(draw(&r, &rng, &x));
            TRY(score(&r, &rng, &x, &bits, &anomaly));
            print_score(i, "normal", bits, anomaly);
            spike(&r, &x, i);
            TRY(score(&r, &rng, &x, &bits, &anomaly));
            print_score(i, "spike", bits, anomaly);
        }
    }
    return 0;
}
