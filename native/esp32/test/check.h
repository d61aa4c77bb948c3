// A minimal test harness: each test is a function named by a sentence; CHECK records the first
// failure of the running test with its line. main() ends with "N passed, N failed".
#pragma once
#include <stdio.h>
#include <string.h>

extern int check_failed;
extern const char *check_test;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond) && !check_failed) {                                                                                \
            check_failed = 1;                                                                                          \
            printf("  FAILED %s\n    %s:%d: %s\n", check_test, __FILE__, __LINE__, #cond);                             \
        }                                                                                                              \
    } while (0)
#define CHECK_EQ(a, b) CHECK((long long)(a) == (long long)(b))
#define CHECK_BYTES(p, q, n) CHECK(memcmp((p), (q), (n)) == 0)

typedef struct {
    const char *name;
    void (*run)(void);
} test_case_t;
