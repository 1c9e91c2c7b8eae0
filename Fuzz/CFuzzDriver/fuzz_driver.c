#include "fuzz_driver.h"

// A weak reference: resolved to libFuzzer's driver when the sanitizer runtime is linked in,
// null otherwise, so the same executable builds with and without -sanitize=fuzzer.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))
    __attribute__((weak));

int compactrec_run_fuzzer(int *argc, char ***argv, int (*test_one_input)(const uint8_t *, size_t)) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, test_one_input);
}
