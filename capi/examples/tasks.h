/* The firmware tasks of firmware/app, written in C over the tinyscore C
 * API: the same items, seeds and output lines as the Rust application, so
 * that one host computation checks both (capi/tests/). */
#ifndef TINYSCORE_TASKS_H
#define TINYSCORE_TASKS_H

#include <stddef.h>
#include <stdint.h>

/* Largest data dimension the tasks' state buffers hold. */
#ifndef TASKS_MAX_DIM
#define TASKS_MAX_DIM 128
#endif

/* Checks the model `bytes[0..len]` and runs every task it supports with
 * `scratch` (`scratch_bytes` bytes, 4-byte aligned), printing one line per
 * item to stdout. Returns 0, or 1 after printing an `error` line. */
int tasks_run(const uint8_t *bytes, size_t len, void *scratch, size_t scratch_bytes);

#endif /* TINYSCORE_TASKS_H */
