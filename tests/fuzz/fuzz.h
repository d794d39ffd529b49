/* fuzz.h: helpers the libFuzzer targets share (tests/fuzz/fuzz_*.c). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property of the code under test does not hold: report and abort, so
 * that libFuzzer keeps the input as a crash. */
#define FUZZ_ASSERT(cond, ...)                                                                                        \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            fprintf(stderr, "fuzz: property failed: %s: ", #cond);                                                    \
            fprintf(stderr, __VA_ARGS__);                                                                             \
            fputc('\n', stderr);                                                                                      \
            abort();                                                                                                  \
        }                                                                                                             \
    } while (0)

/* The input as a NUL-terminated string (it may hold NULs of its own). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The input as a file: a memfd, reachable as /proc/self/fd/N (*ret_path,
 * owned by the caller). Returns the fd, or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char **ret_path)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    *ret_path = xasprintf("/proc/self/fd/%d", fd);
    return fd;
}
