#ifndef COMPACTREC_FUZZ_DRIVER_H
#define COMPACTREC_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Hands control to libFuzzer's driver when the program was linked with it
/// (`-sanitize=fuzzer`) and returns its exit code; returns -1 in a normal build, where
/// libFuzzer is absent.
int compactrec_run_fuzzer(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));

#endif
