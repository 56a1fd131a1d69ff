/* tinyscore: the C API of the tinyscore runtime (libtinyscore_c.a).
 *
 * Generated from capi/src by cbindgen (capi/cbindgen.toml); do not edit.
 * Regenerate with: TINYSCORE_BLESS=1 cargo test -p tinyscore-c --test header
 * Usage and examples: docs/C.md. */

#ifndef TINYSCORE_H
#define TINYSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Bytes of `tinyscore_error.message`, its terminating NUL included.
 */
#define TINYSCORE_MESSAGE_LEN 120

/**
 * 64-bit words of the storage of a `tinyscore_model`.
 */
#define TINYSCORE_MODEL_WORDS 48

/**
 * The result of a call: `TINYSCORE_STATUS_OK`, or why it failed.
 * `tinyscore_status_text` describes each code; a failed
 * `tinyscore_model_parse` also writes a message with the details
 * (offsets, sections, sizes) into its `tinyscore_error`.
 */
enum tinyscore_status
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  TINYSCORE_STATUS_OK = 0,
  /**
   * A pointer argument that must not be NULL is NULL.
   */
  TINYSCORE_STATUS_NULL_POINTER = 1,
  /**
   * The model handle was not filled by a successful `tinyscore_model_parse`.
   */
  TINYSCORE_STATUS_NOT_PARSED = 2,
  /**
   * The scratch buffer is not aligned to 4 bytes.
   */
  TINYSCORE_STATUS_ALIGNMENT = 3,
  /**
   * The model has no anomaly detector.
   */
  TINYSCORE_STATUS_NO_DETECTOR = 4,
  /**
   * A data format with more than 31 fraction bits.
   */
  TINYSCORE_STATUS_FRAC_BITS = 5,
  /**
   * The file is shorter than its header or a section needs.
   */
  TINYSCORE_STATUS_TRUNCATED = 100,
  /**
   * The bytes do not start with the `.tsm` magic.
   */
  TINYSCORE_STATUS_BAD_MAGIC = 101,
  /**
   * The file's major format version is not one this library reads.
   */
  TINYSCORE_STATUS_UNSUPPORTED_VERSION = 102,
  /**
   * The file length in the header differs from the length given.
   */
  TINYSCORE_STATUS_FILE_LENGTH = 103,
  /**
   * The header length disagrees with the section count.
   */
  TINYSCORE_STATUS_HEADER_LENGTH = 104,
  /**
   * The CRC-32 does not match the contents.
   */
  TINYSCORE_STATUS_CRC = 105,
  /**
   * More sections than the format allows.
   */
  TINYSCORE_STATUS_TOO_MANY_SECTIONS = 106,
  /**
   * A reserved field is not zero.
   */
  TINYSCORE_STATUS_RESERVED = 107,
  /**
   * A section is not contiguous, aligned and inside the file.
   */
  TINYSCORE_STATUS_LAYOUT = 108,
  /**
   * Padding between sections is not zero.
   */
  TINYSCORE_STATUS_PADDING = 109,
  /**
   * A section of unknown kind is marked required.
   */
  TINYSCORE_STATUS_UNKNOWN_REQUIRED_SECTION = 110,
  /**
   * A section that must appear once is missing.
   */
  TINYSCORE_STATUS_MISSING_SECTION = 111,
  /**
   * A section appears more often than allowed.
   */
  TINYSCORE_STATUS_DUPLICATE_SECTION = 112,
  /**
   * A section's length does not match its contents.
   */
  TINYSCORE_STATUS_SECTION_LENGTH = 113,
  /**
   * An enumeration field has an unknown value.
   */
  TINYSCORE_STATUS_BAD_CODE = 114,
  /**
   * A dimension or count is zero or above its limit.
   */
  TINYSCORE_STATUS_LIMIT = 115,
  /**
   * A layer's shape does not fit the previous one's.
   */
  TINYSCORE_STATUS_SHAPE = 116,
  /**
   * A residual add is unbalanced.
   */
  TINYSCORE_STATUS_RESIDUAL = 117,
  /**
   * A stored number is NaN, infinite, or a scale is not positive.
   */
  TINYSCORE_STATUS_NON_FINITE = 118,
  /**
   * The stored noise schedule is invalid.
   */
  TINYSCORE_STATUS_SCHEDULE = 119,
  /**
   * An embedded plan's header is invalid.
   */
  TINYSCORE_STATUS_PLAN = 120,
  /**
   * A plan, table or detector disagrees with the model.
   */
  TINYSCORE_STATUS_MISMATCH = 121,
  /**
   * The model is for a float backend and the library was built without
   * feature `float`.
   */
  TINYSCORE_STATUS_FLOAT_NOT_BUILT = 122,
  /**
   * A normalisation mean or scale so large that some states would map
   * to ±∞ in data units.
   */
  TINYSCORE_STATUS_NORMALIZATION_RANGE = 123,
  /**
   * A column or class name is empty, too long, not UTF-8 or holds a
   * control character.
   */
  TINYSCORE_STATUS_BAD_NAME = 124,
  /**
   * The scratch buffer is smaller than `tinyscore_info.scratch_bytes`.
   */
  TINYSCORE_STATUS_SCRATCH = 200,
  /**
   * A vector's length is not the model's data dimension.
   */
  TINYSCORE_STATUS_DIMENSION = 201,
  /**
   * The plan was compiled for another prediction type than the model's.
   */
  TINYSCORE_STATUS_PREDICTION_MISMATCH = 202,
  /**
   * The model folds time into bias tables and runs its embedded plans only.
   */
  TINYSCORE_STATUS_NEEDS_EMBEDDED_PLAN = 203,
  /**
   * The model has no embedded plan with that index.
   */
  TINYSCORE_STATUS_NO_SUCH_PLAN = 204,
  /**
   * The plan has no such row, or ended before the rows it states.
   */
  TINYSCORE_STATUS_PLAN_ROW = 205,
  /**
   * The network's time input does not suit its time conditioning.
   */
  TINYSCORE_STATUS_TIME_INPUT = 206,
  /**
   * The function is for another backend than the model's: `_f32`
   * functions run f32 and f16 models, `_q16` ones fixed-point models.
   */
  TINYSCORE_STATUS_BACKEND = 207,
  /**
   * The plan's states have no noise levels (Heun, Langevin,
   * predictor-corrector), so data cannot be put into it.
   */
  TINYSCORE_STATUS_NO_LEVELS = 208,
  /**
   * The observed values or the mask do not have the data dimension.
   */
  TINYSCORE_STATUS_MASK = 209,
  /**
   * The model is not class-conditional, or has no such class.
   */
  TINYSCORE_STATUS_CLASS = 210,
  /**
   * A value the model computed is not finite (the finite-output
   * contract: the model's numbers overflow; nothing is returned).
   */
  TINYSCORE_STATUS_NON_FINITE_OUTPUT = 211,
  /**
   * The guidance weight is not finite or not below 32768 in magnitude.
   */
  TINYSCORE_STATUS_GUIDANCE = 212,
  /**
   * A value in data units (or one of its two terms) does not fit the
   * 32-bit format: use fewer fraction bits.
   */
  TINYSCORE_STATUS_OVERFLOW = 300,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum tinyscore_status tinyscore_status;
#else
typedef int32_t tinyscore_status;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The numeric backend of a model's weights.
 */
enum tinyscore_backend
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * f32 weights: run with the `tinyscore_f32_*` functions.
   */
  TINYSCORE_BACKEND_F32 = 1,
  /**
   * f16 weights, f32 arithmetic: run with the `tinyscore_f32_*` functions.
   */
  TINYSCORE_BACKEND_F16 = 2,
  /**
   * int8 weights, integer arithmetic: run with the `tinyscore_q16_*` functions.
   */
  TINYSCORE_BACKEND_FIXED = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum tinyscore_backend tinyscore_backend;
#else
typedef uint32_t tinyscore_backend;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A parsed model: declare one (static, or on the stack) and fill it with
 * `tinyscore_model_parse`. Its fields are private to the library.
 */
typedef struct tinyscore_model {
  /**
   * Private: marks a handle filled by a successful parse.
   */
  uint32_t tag;
  /**
   * Private: the parsed model.
   */
  uint64_t storage[TINYSCORE_MODEL_WORDS];
} tinyscore_model;

/**
 * A random generator (xoshiro256++). Its field is private to the library.
 */
typedef struct tinyscore_rng {
  /**
   * Private: the generator's state.
   */
  uint64_t state[4];
} tinyscore_rng;

/**
 * An anomaly score of a float model and its decision.
 */
typedef struct tinyscore_verdict_f32 {
  /**
   * Mean squared denoising error, model units.
   */
  float score;
  /**
   * Whether the score is above the threshold stored with the model.
   */
  bool anomaly;
} tinyscore_verdict_f32;

/**
 * Why a model was refused, in detail.
 */
typedef struct tinyscore_error {
  /**
   * The status the call returned.
   */
  tinyscore_status status;
  /**
   * The runtime's description, NUL-terminated (UTF-8, cut at a
   * character boundary if longer than the buffer).
   */
  char message[TINYSCORE_MESSAGE_LEN];
} tinyscore_error;

/**
 * What a model states about itself.
 */
typedef struct tinyscore_info {
  /**
   * The backend, and with it the family of functions that runs the model.
   */
  tinyscore_backend backend;
  /**
   * Data dimension: the length of every state vector.
   */
  uint32_t dim;
  /**
   * Classes of a class-conditional model, 0 for an unconditional one.
   */
  uint32_t classes;
  /**
   * Embedded plans (indices `0..plans`).
   */
  uint32_t plans;
  /**
   * Whether the model has an anomaly detector (`tinyscore_*_score`).
   */
  bool has_detector;
  /**
   * The embedded plan the detector runs (0 without a detector).
   */
  uint32_t detector_plan;
  /**
   * Bytes of scratch every task of this model needs (4-byte aligned).
   */
  size_t scratch_bytes;
  /**
   * Bytes of the weights, read in place from the file.
   */
  size_t weight_bytes;
  /**
   * Trainable parameters of the network.
   */
  uint32_t parameters;
  /**
   * The classifier-free guidance weight the network holds, Q16.16 (0:
   * none): a student distilled from guided sampling, whose classes are
   * sampled with guidance 0.
   */
  uint32_t held_guidance_q16;
} tinyscore_info;

/**
 * An anomaly score of a fixed-point model and its decision.
 */
typedef struct tinyscore_verdict_q16 {
  /**
   * Mean squared denoising error, model units, in Q32.32
   * (`score / 2^32`).
   */
  int64_t score;
  /**
   * Whether the score is above the threshold stored with the model.
   */
  bool anomaly;
} tinyscore_verdict_q16;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Draws a sample of embedded plan `plan` into `x` (`dim` elements, model
 * units) from the stream `rng`, which it advances.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`, `rng` to a
 * `tinyscore_rng`, `scratch` to `scratch_bytes` writable bytes and `x` to
 * `dim` writable floats, none of them used elsewhere during the call.
 */
tinyscore_status tinyscore_f32_sample(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      float *x,
                                      size_t dim);

/**
 * Draws a sample of class `class_id` of a class-conditional model into
 * `x`, with classifier-free guidance of weight `weight` (0 is the plain
 * conditional model; each row then costs two network evaluations).
 *
 * # Safety
 *
 * As `tinyscore_f32_sample`.
 */
tinyscore_status tinyscore_f32_guided(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      uint32_t class_id,
                                      float weight,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      float *x,
                                      size_t dim);

/**
 * Fills in the coordinates of `x` where `mask` is false, given `observed`
 * where it is true (model units): replacement, each row run `resample`
 * times (RePaint; 1 is plain replacement). At the end `x` holds
 * `observed` exactly where `mask` is true. The plan's states must have
 * noise levels (DDPM, DDIM, Euler-Maruyama, PF-ODE Euler, DPM-Solver++).
 *
 * # Safety
 *
 * As `tinyscore_f32_sample`; `observed` and `mask` must point to `dim`
 * readable elements.
 */
tinyscore_status tinyscore_f32_impute(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      uint32_t resample,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      const float *observed,
                                      const bool *mask,
                                      float *x,
                                      size_t dim);

/**
 * Denoises `x` (model units) in place by SDEdit: noises it to the level
 * of plan row `row` and runs the plan from there (a smaller row is more
 * noise, and moves `x` further).
 *
 * # Safety
 *
 * As `tinyscore_f32_sample`.
 */
tinyscore_status tinyscore_f32_denoise(const struct tinyscore_model *model,
                                       uint32_t plan,
                                       uint32_t row,
                                       struct tinyscore_rng *rng,
                                       void *scratch,
                                       size_t scratch_bytes,
                                       float *x,
                                       size_t dim);

/**
 * The anomaly score of `x` (model units) with the model's stored
 * detector, and its decision against the stored threshold, into
 * `*verdict`.
 *
 * # Safety
 *
 * As `tinyscore_f32_sample`, with `x` readable; `verdict` must point to a
 * writable `tinyscore_verdict_f32`.
 */
tinyscore_status tinyscore_f32_score(const struct tinyscore_model *model,
                                     struct tinyscore_rng *rng,
                                     void *scratch,
                                     size_t scratch_bytes,
                                     const float *x,
                                     size_t dim,
                                     struct tinyscore_verdict_f32 *verdict);

/**
 * Checks the whole model file `bytes[0..len]` once and fills `model` with
 * views into it. `bytes` must stay valid and unchanged while `model` is
 * used. On failure `model` is marked unparsed and, when `error` is not
 * NULL, `*error` receives the status and the runtime's message.
 *
 * # Safety
 *
 * `model` must point to a writable `tinyscore_model`; `bytes` to `len`
 * readable bytes (or be NULL); `error` to a writable `tinyscore_error`
 * or be NULL.
 */
tinyscore_status tinyscore_model_parse(struct tinyscore_model *model,
                                       const uint8_t *bytes,
                                       size_t len,
                                       struct tinyscore_error *error);

/**
 * Fills `info` with what the parsed `model` states about itself.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`; `info` must be
 * NULL or point to a writable `tinyscore_info`.
 */
tinyscore_status tinyscore_model_info(const struct tinyscore_model *model,
                                      struct tinyscore_info *info);

/**
 * Sets `*rows` to the row count (network evaluations) of embedded plan
 * `plan`: the rows `tinyscore_*_denoise` may start from are `0..rows`.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`; `rows` must be
 * NULL or point to a writable `uint32_t`.
 */
tinyscore_status tinyscore_plan_rows(const struct tinyscore_model *model,
                                     uint32_t plan,
                                     uint32_t *rows);

/**
 * Draws a sample of embedded plan `plan` into `x` (`dim` elements, Q16.16
 * model units) from the stream `rng`, which it advances.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`, `rng` to a
 * `tinyscore_rng`, `scratch` to `scratch_bytes` writable bytes and `x` to
 * `dim` writable elements, none of them used elsewhere during the call.
 */
tinyscore_status tinyscore_q16_sample(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      int32_t *x,
                                      size_t dim);

/**
 * Draws a sample of class `class_id` of a class-conditional model into
 * `x`, with classifier-free guidance of weight `weight_q16` (Q16.16: 1.5
 * is 98304; 0 is the plain conditional model; each row then costs two
 * network evaluations).
 *
 * # Safety
 *
 * As `tinyscore_q16_sample`.
 */
tinyscore_status tinyscore_q16_guided(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      uint32_t class_id,
                                      int32_t weight_q16,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      int32_t *x,
                                      size_t dim);

/**
 * Fills in the coordinates of `x` where `mask` is false, given `observed`
 * where it is true (Q16.16 model units), as `tinyscore_f32_impute`.
 *
 * # Safety
 *
 * As `tinyscore_q16_sample`; `observed` and `mask` must point to `dim`
 * readable elements.
 */
tinyscore_status tinyscore_q16_impute(const struct tinyscore_model *model,
                                      uint32_t plan,
                                      uint32_t resample,
                                      struct tinyscore_rng *rng,
                                      void *scratch,
                                      size_t scratch_bytes,
                                      const int32_t *observed,
                                      const bool *mask,
                                      int32_t *x,
                                      size_t dim);

/**
 * Denoises `x` (Q16.16 model units) in place by SDEdit from plan row
 * `row`, as `tinyscore_f32_denoise`.
 *
 * # Safety
 *
 * As `tinyscore_q16_sample`.
 */
tinyscore_status tinyscore_q16_denoise(const struct tinyscore_model *model,
                                       uint32_t plan,
                                       uint32_t row,
                                       struct tinyscore_rng *rng,
                                       void *scratch,
                                       size_t scratch_bytes,
                                       int32_t *x,
                                       size_t dim);

/**
 * The anomaly score of `x` (Q16.16 model units) with the model's stored
 * detector, and its decision, into `*verdict`; integer arithmetic only.
 *
 * # Safety
 *
 * As `tinyscore_q16_sample`, with `x` readable; `verdict` must point to a
 * writable `tinyscore_verdict_q16`.
 */
tinyscore_status tinyscore_q16_score(const struct tinyscore_model *model,
                                     struct tinyscore_rng *rng,
                                     void *scratch,
                                     size_t scratch_bytes,
                                     const int32_t *x,
                                     size_t dim,
                                     struct tinyscore_verdict_q16 *verdict);

/**
 * Starts `rng` on the stream of item `index` of seed `seed`. Does nothing
 * when `rng` is NULL.
 *
 * # Safety
 *
 * `rng` must be NULL or point to a writable `tinyscore_rng`.
 */
void tinyscore_rng_init(struct tinyscore_rng *rng, uint64_t seed, uint64_t index);

/**
 * A description of `status` (a `tinyscore_status`), as a static
 * NUL-terminated string; "unknown status" for a value that is none. A
 * library built without feature `texts` (default on) returns one
 * generic text for every value, to save flash.
 */
const char *tinyscore_status_text(int32_t status);

/**
 * Maps `x` (`dim` floats) from model units to data units in place.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`; `x` must be NULL
 * or point to `dim` writable floats.
 */
tinyscore_status tinyscore_f32_to_data(const struct tinyscore_model *model, float *x, size_t dim);

/**
 * Maps `x` (`dim` floats) from data units to model units in place.
 *
 * # Safety
 *
 * As `tinyscore_f32_to_data`.
 */
tinyscore_status tinyscore_f32_to_model(const struct tinyscore_model *model, float *x, size_t dim);

/**
 * Maps `x` (`dim` elements) in place from Q16.16 model units to data
 * units as fixed-point `int32_t` with `frac_bits` fraction bits (a value
 * `v` means `v / 2^frac_bits`), in integers only: each result is
 * `x·scale + mean` rounded to the nearest step, ties away from zero.
 * `TINYSCORE_STATUS_OVERFLOW` when an element does not fit (the elements
 * before it are converted), `TINYSCORE_STATUS_FRAC_BITS` above 31.
 *
 * # Safety
 *
 * `model` must be NULL or point to a `tinyscore_model`; `x` must be NULL
 * or point to `dim` writable elements.
 */
tinyscore_status tinyscore_q16_to_data(const struct tinyscore_model *model,
                                       int32_t *x,
                                       size_t dim,
                                       uint32_t frac_bits);

/**
 * Maps `x` (`dim` elements) in place from data units with `frac_bits`
 * fraction bits to Q16.16 model units, the inverse of
 * `tinyscore_q16_to_data`: `(x − mean)/scale` rounded to the nearest
 * step, ties away from zero, in integers only; the same statuses.
 *
 * # Safety
 *
 * As `tinyscore_q16_to_data`.
 */
tinyscore_status tinyscore_q16_to_model(const struct tinyscore_model *model,
                                        int32_t *x,
                                        size_t dim,
                                        uint32_t frac_bits);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* TINYSCORE_H */
