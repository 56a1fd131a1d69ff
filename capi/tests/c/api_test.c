/* Calls every function of the C API, on valid input and on each error
 * path a caller can reach, and checks the status and the results.
 *
 *   api_test F32_CONDITIONAL.tsm FIXED_CONDITIONAL.tsm F32_PLAIN.tsm
 *       the checks; the first two models are class-conditional with an
 *       anomaly detector, the third has neither. Prints "ok <n> checks".
 *   api_test parse FILE.tsm...
 *       prints "<status> <message>" of parsing each FILE (the tests
 *       compare them with the runtime's errors for the malformed corpus). */
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyscore.h"

static unsigned checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                 \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define EXPECT(call, status) CHECK((call) == TINYSCORE_STATUS_##status)

#define DIM 2
#define MAX_FILE (1 << 20)

typedef struct {
    alignas(16) uint8_t bytes[MAX_FILE];
    size_t len;
} file;

static void load(file *f, const char *path) {
    FILE *in = fopen(path, "rb");
    if (!in) {
        printf("cannot open %s\n", path);
        exit(2);
    }
    f->len = fread(f->bytes, 1, MAX_FILE, in);
    fclose(in);
}

static file f32_file, fixed_file, plain_file, broken;
static alignas(4) uint8_t scratch[1 << 16];

static void check_status_text(void) {
    const int32_t codes[] = {0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
                             111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 200, 201,
                             202, 203, 204, 205, 206, 207, 208, 209, 210, 300};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = tinyscore_status_text(codes[i]);
        CHECK(text != NULL && strlen(text) > 0 && strcmp(text, "unknown status") != 0);
    }
    CHECK(strcmp(tinyscore_status_text(TINYSCORE_STATUS_OK), "success") == 0);
    CHECK(strcmp(tinyscore_status_text(6), "unknown status") == 0);
    CHECK(strcmp(tinyscore_status_text(-1), "unknown status") == 0);
}

static void check_rng(void) {
    tinyscore_rng a, b, c;
    tinyscore_rng_init(NULL, 1, 2); /* does nothing */
    tinyscore_rng_init(&a, 7, 3);
    tinyscore_rng_init(&b, 7, 3);
    tinyscore_rng_init(&c, 7, 4);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK(memcmp(&a, &c, sizeof a) != 0);
}

static void check_parse(void) {
    tinyscore_model model;
    tinyscore_error error;
    EXPECT(tinyscore_model_parse(NULL, f32_file.bytes, f32_file.len, &error), NULL_POINTER);
    CHECK(error.status == TINYSCORE_STATUS_NULL_POINTER && strlen(error.message) > 0);
    EXPECT(tinyscore_model_parse(&model, NULL, 0, &error), NULL_POINTER);
    EXPECT(tinyscore_model_parse(&model, f32_file.bytes, 16, &error), TRUNCATED);
    CHECK(error.status == TINYSCORE_STATUS_TRUNCATED && strstr(error.message, "truncated"));

    memcpy(&broken, &f32_file, sizeof broken);
    broken.bytes[0] ^= 0xff;
    EXPECT(tinyscore_model_parse(&model, broken.bytes, broken.len, &error), BAD_MAGIC);
    CHECK(strstr(error.message, "magic") != NULL);
    memcpy(&broken, &f32_file, sizeof broken);
    broken.bytes[broken.len - 1] ^= 0xff;
    EXPECT(tinyscore_model_parse(&model, broken.bytes, broken.len, NULL), CRC);
    EXPECT(tinyscore_model_parse(&model, broken.bytes, broken.len, &error), CRC);
    CHECK(strstr(error.message, "CRC mismatch: stored 0x") == error.message);
    /* A failed parse leaves the handle unparsed. */
    tinyscore_info info;
    EXPECT(tinyscore_model_info(&model, &info), NOT_PARSED);

    EXPECT(tinyscore_model_parse(&model, f32_file.bytes, f32_file.len, &error), OK);
    CHECK(error.status == TINYSCORE_STATUS_OK && error.message[0] == '\0');
}

static void check_info(tinyscore_model *model, tinyscore_backend backend, uint32_t classes,
                       bool detector, uint32_t held_guidance_q16) {
    tinyscore_info info;
    tinyscore_model unparsed;
    uint32_t rows;
    memset(&unparsed, 0, sizeof unparsed);
    EXPECT(tinyscore_model_info(NULL, &info), NULL_POINTER);
    EXPECT(tinyscore_model_info(&unparsed, &info), NOT_PARSED);
    EXPECT(tinyscore_model_info(model, NULL), NULL_POINTER);
    EXPECT(tinyscore_model_info(model, &info), OK);
    CHECK(info.backend == backend && info.dim == DIM && info.classes == classes);
    CHECK(info.plans == 1 && info.has_detector == detector && info.detector_plan == 0);
    CHECK(info.scratch_bytes > 0 && info.scratch_bytes <= sizeof scratch);
    CHECK(info.weight_bytes > 0 && info.parameters > 0);
    CHECK(info.held_guidance_q16 == held_guidance_q16);

    EXPECT(tinyscore_plan_rows(NULL, 0, &rows), NULL_POINTER);
    EXPECT(tinyscore_plan_rows(&unparsed, 0, &rows), NOT_PARSED);
    EXPECT(tinyscore_plan_rows(model, 0, NULL), NULL_POINTER);
    EXPECT(tinyscore_plan_rows(model, 1, &rows), NO_SUCH_PLAN);
    EXPECT(tinyscore_plan_rows(model, 0, &rows), OK);
    CHECK(rows > 1);
}

/* The tasks of one backend, as one set of checks: SAMPLE(model, plan, rng,
 * scratch, bytes, x, dim) and so on are the backend's functions, T its
 * element, WEIGHT a guidance weight of 1 and OTHER the other backend's
 * sample function. */
#define CHECK_TASKS(model, other_model, T, WEIGHT, sample, guided, impute, denoise, score_fn, verdict,  \
                    other_sample, OT)                                                               \
    do {                                                                                           \
        size_t need;                                                                               \
        tinyscore_info info;                                                                       \
        tinyscore_rng rng, again;                                                                  \
        T x[DIM], y[DIM], observed[DIM];                                                           \
        OT other[DIM];                                                                             \
        bool mask[DIM] = {true, false};                                                            \
        verdict v;                                                                                 \
        uint32_t rows;                                                                             \
        EXPECT(tinyscore_model_info(model, &info), OK);                                            \
        EXPECT(tinyscore_plan_rows(model, 0, &rows), OK);                                          \
        need = info.scratch_bytes;                                                                 \
        tinyscore_rng_init(&rng, 1, 0);                                                            \
        /* The calling convention. */                                                              \
        EXPECT(sample(NULL, 0, &rng, scratch, need, x, DIM), NULL_POINTER);                        \
        EXPECT(sample(model, 0, NULL, scratch, need, x, DIM), NULL_POINTER);                       \
        EXPECT(sample(model, 0, &rng, NULL, need, x, DIM), NULL_POINTER);                          \
        EXPECT(sample(model, 0, &rng, scratch, need, NULL, DIM), NULL_POINTER);                    \
        EXPECT(sample(model, 0, &rng, scratch + 2, need, x, DIM), ALIGNMENT);                      \
        EXPECT(sample(model, 0, &rng, scratch, need - 4, x, DIM), SCRATCH);                        \
        EXPECT(sample(model, 0, &rng, scratch, need, x, DIM + 1), DIMENSION);                      \
        EXPECT(sample(model, 1, &rng, scratch, need, x, DIM), NO_SUCH_PLAN);                       \
        EXPECT(other_sample(model, 0, &rng, scratch, need, other, DIM), BACKEND);                  \
        /* A sample, and the same one again from the same stream. */                               \
        tinyscore_rng_init(&rng, 1, 0);                                                            \
        EXPECT(sample(model, 0, &rng, scratch, need, x, DIM), OK);                                 \
        tinyscore_rng_init(&again, 1, 0);                                                          \
        memset(scratch, 0xa5, sizeof scratch); /* scratch contents do not matter */                \
        EXPECT(sample(model, 0, &again, scratch, need, y, DIM), OK);                               \
        CHECK(memcmp(x, y, sizeof x) == 0 && memcmp(&rng, &again, sizeof rng) == 0);               \
        EXPECT(sample(model, 0, &again, scratch, need, y, DIM), OK);                               \
        CHECK(memcmp(x, y, sizeof x) != 0); /* the stream moved on */                              \
        /* Guided. */                                                                              \
        EXPECT(guided(model, 0, 0, WEIGHT, &rng, scratch, need, x, DIM), OK);                      \
        EXPECT(guided(model, 0, 3, WEIGHT, &rng, scratch, need, x, DIM), CLASS);                   \
        EXPECT(guided(other_model, 0, 0, WEIGHT, &rng, scratch, need, x, DIM), BACKEND);           \
        EXPECT(guided(model, 0, 0, WEIGHT, &rng, scratch, 8, x, DIM), SCRATCH);                        \
        EXPECT(guided(model, 0, 0, WEIGHT, &rng, scratch, need, NULL, DIM), NULL_POINTER);         \
        /* Imputation keeps the observed coordinates exactly. */                                   \
        EXPECT(sample(model, 0, &rng, scratch, need, observed, DIM), OK);                          \
        EXPECT(impute(model, 0, 2, &rng, scratch, need, observed, mask, x, DIM), OK);              \
        CHECK(memcmp(&x[0], &observed[0], sizeof x[0]) == 0);                                     \
        EXPECT(impute(model, 0, 2, &rng, scratch, need, NULL, mask, x, DIM), NULL_POINTER);        \
        EXPECT(impute(model, 0, 2, &rng, scratch, need, observed, NULL, x, DIM), NULL_POINTER);    \
        EXPECT(impute(model, 0, 2, &rng, scratch, need, observed, mask, x, DIM - 1), DIMENSION);   \
        EXPECT(impute(model, 1, 2, &rng, scratch, need, observed, mask, x, DIM), NO_SUCH_PLAN);    \
        /* Denoising from each end of the plan. */                                                 \
        EXPECT(denoise(model, 0, rows - 1, &rng, scratch, need, x, DIM), OK);                      \
        EXPECT(denoise(model, 0, 0, &rng, scratch, need, x, DIM), OK);                             \
        EXPECT(denoise(model, 0, rows, &rng, scratch, need, x, DIM), PLAN_ROW);                    \
        EXPECT(denoise(model, 0, 0, &rng, NULL, need, x, DIM), NULL_POINTER);                      \
        /* The anomaly verdict of a sample and of a far-off point. */                              \
        EXPECT(sample(model, 0, &rng, scratch, need, x, DIM), OK);                                 \
        EXPECT(score_fn(model, &rng, scratch, need, x, DIM, &v), OK);                                 \
        CHECK(!v.anomaly && v.score >= 0);                                                         \
        memset(y, 0, sizeof y);                                                                    \
        y[0] = (T)(1000 * WEIGHT);                                                                 \
        EXPECT(score_fn(model, &rng, scratch, need, y, DIM, &v), OK);                                 \
        CHECK(v.anomaly && v.score > 0);                                                           \
        EXPECT(score_fn(model, &rng, scratch, need, x, DIM, NULL), NULL_POINTER);                     \
        EXPECT(score_fn(model, &rng, scratch, need, NULL, DIM, &v), NULL_POINTER);                    \
        EXPECT(score_fn(model, &rng, scratch, 8, x, DIM, &v), SCRATCH);                               \
        EXPECT(score_fn(other_model, &rng, scratch, need, x, DIM, &v), BACKEND);                      \
    } while (0)

static void check_units(tinyscore_model *f32_model, tinyscore_model *fixed_model) {
    float data[DIM] = {0.25f, -1.5f}, back[DIM];
    int32_t q[DIM] = {65536, -98304}, q_back[DIM];
    memcpy(back, data, sizeof data);
    EXPECT(tinyscore_f32_to_model(f32_model, back, DIM), OK);
    CHECK(memcmp(back, data, sizeof data) != 0);
    EXPECT(tinyscore_f32_to_data(f32_model, back, DIM), OK);
    for (int j = 0; j < DIM; j++) CHECK(back[j] - data[j] < 1e-5f && data[j] - back[j] < 1e-5f);
    EXPECT(tinyscore_f32_to_data(NULL, back, DIM), NULL_POINTER);
    EXPECT(tinyscore_f32_to_data(f32_model, NULL, DIM), NULL_POINTER);
    EXPECT(tinyscore_f32_to_data(f32_model, back, DIM + 1), DIMENSION);
    EXPECT(tinyscore_f32_to_model(f32_model, back, DIM - 1), DIMENSION);
    EXPECT(tinyscore_f32_to_model(NULL, back, DIM), NULL_POINTER);

    /* Fixed point, in integers: Q16.16 model units to data units with 16
     * fraction bits and back, against the float conversion of the same
     * model within half a step of the format (and f32's rounding). */
    int32_t in_data[DIM];
    float expected[DIM] = {q[0] / 65536.0f, q[1] / 65536.0f};
    EXPECT(tinyscore_f32_to_data(fixed_model, expected, DIM), OK);
    memcpy(in_data, q, sizeof q);
    EXPECT(tinyscore_q16_to_data(fixed_model, in_data, DIM, 16), OK);
    for (int j = 0; j < DIM; j++) {
        float gap = in_data[j] / 65536.0f - expected[j];
        float size = expected[j] < 0 ? -expected[j] : expected[j];
        float tolerance = 0.5f / 65536 + 1e-6f * (1 + size);
        CHECK(gap <= tolerance && -gap <= tolerance);
    }
    memcpy(q_back, in_data, sizeof q);
    EXPECT(tinyscore_q16_to_model(fixed_model, q_back, DIM, 16), OK);
    for (int j = 0; j < DIM; j++) CHECK(q_back[j] - q[j] <= 1 && q[j] - q_back[j] <= 1);
    EXPECT(tinyscore_q16_to_data(fixed_model, NULL, DIM, 16), NULL_POINTER);
    EXPECT(tinyscore_q16_to_data(NULL, q_back, DIM, 16), NULL_POINTER);
    EXPECT(tinyscore_q16_to_data(fixed_model, q_back, DIM + 1, 16), DIMENSION);
    EXPECT(tinyscore_q16_to_data(fixed_model, q_back, DIM, 32), FRAC_BITS);
    EXPECT(tinyscore_q16_to_model(fixed_model, NULL, DIM, 16), NULL_POINTER);
    EXPECT(tinyscore_q16_to_model(NULL, q_back, DIM, 16), NULL_POINTER);
    EXPECT(tinyscore_q16_to_model(fixed_model, q_back, DIM - 1, 16), DIMENSION);
    EXPECT(tinyscore_q16_to_model(fixed_model, q_back, DIM, 32), FRAC_BITS);
    /* ±32768 model units do not fit a format of range ±1: refused, never
     * wrapped or saturated. */
    int32_t extreme[DIM] = {INT32_MAX, INT32_MIN};
    EXPECT(tinyscore_q16_to_data(fixed_model, extreme, DIM, 31), OVERFLOW);
    CHECK(extreme[0] == INT32_MAX && extreme[1] == INT32_MIN);
}

static void check_plain(tinyscore_model *plain) {
    tinyscore_info info;
    tinyscore_rng rng;
    tinyscore_verdict_f32 v;
    float x[DIM] = {0};
    EXPECT(tinyscore_model_info(plain, &info), OK);
    tinyscore_rng_init(&rng, 1, 0);
    EXPECT(tinyscore_f32_guided(plain, 0, 0, 1.0f, &rng, scratch, info.scratch_bytes, x, DIM), CLASS);
    EXPECT(tinyscore_f32_score(plain, &rng, scratch, info.scratch_bytes, x, DIM, &v), NO_DETECTOR);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "parse") == 0) {
        tinyscore_model model;
        tinyscore_error error;
        for (int i = 2; i < argc; i++) {
            load(&broken, argv[i]);
            tinyscore_model_parse(&model, broken.bytes, broken.len, &error);
            printf("%" PRId32 " %s\n", (int32_t)error.status, error.message);
        }
        return 0;
    }
    if (argc != 4) {
        printf("usage: %s F32_CONDITIONAL FIXED_CONDITIONAL_HOLDING_1.5 F32_PLAIN | parse FILE...\n",
               argv[0]);
        return 2;
    }
    load(&f32_file, argv[1]);
    load(&fixed_file, argv[2]);
    load(&plain_file, argv[3]);
    static tinyscore_model f32_model, fixed_model, plain;
    check_status_text();
    check_rng();
    check_parse();
    EXPECT(tinyscore_model_parse(&f32_model, f32_file.bytes, f32_file.len, NULL), OK);
    EXPECT(tinyscore_model_parse(&fixed_model, fixed_file.bytes, fixed_file.len, NULL), OK);
    EXPECT(tinyscore_model_parse(&plain, plain_file.bytes, plain_file.len, NULL), OK);
    /* The fixed-point model holds guidance 1.5 (a section the caller added). */
    check_info(&f32_model, TINYSCORE_BACKEND_F32, 3, true, 0);
    check_info(&fixed_model, TINYSCORE_BACKEND_FIXED, 3, true, 3u << 15);
    CHECK_TASKS(&f32_model, &fixed_model, float, 1.0f, tinyscore_f32_sample, tinyscore_f32_guided,
                tinyscore_f32_impute, tinyscore_f32_denoise, tinyscore_f32_score,
                tinyscore_verdict_f32, tinyscore_q16_sample, int32_t);
    CHECK_TASKS(&fixed_model, &f32_model, int32_t, 65536, tinyscore_q16_sample,
                tinyscore_q16_guided, tinyscore_q16_impute, tinyscore_q16_denoise,
                tinyscore_q16_score, tinyscore_verdict_q16, tinyscore_f32_sample, float);
    check_units(&f32_model, &fixed_model);
    check_plain(&plain);
    printf("ok %u checks\n", checks);
    return 0;
}
