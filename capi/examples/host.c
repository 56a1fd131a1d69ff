/* The firmware tasks on the host: `tasks MODEL.tsm` runs tasks.c on the
 * model file and prints what the firmware prints. */
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

#include "tasks.h"

static alignas(16) uint8_t model[1 << 20];
static uint32_t scratch[1 << 14];

int main(int argc, char **argv) {
    FILE *file = argc == 2 ? fopen(argv[1], "rb") : NULL;
    if (!file) {
        fprintf(stderr, "usage: %s MODEL.tsm (a readable file)\n", argv[0]);
        return 2;
    }
    size_t len = fread(model, 1, sizeof model, file);
    fclose(file);
    return tasks_run(model, len, scratch, sizeof scratch);
}
