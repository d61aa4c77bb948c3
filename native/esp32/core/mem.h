// memcpy/memset/memcmp for the cores. On a board and on the host they come from the C library;
// the freestanding 32-bit RISC-V compile check (no libc installed) uses the compiler's builtins.
#pragma once
#if __STDC_HOSTED__
#include <string.h>
#else
#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define memcmp __builtin_memcmp
#endif
