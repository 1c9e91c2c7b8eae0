// glibc's malloc tuning (mallopt), for `compactrec serve` (see Serve.swift). Empty elsewhere.
#if defined(__linux__)
#include <malloc.h>
#endif
