// Runs every host test case and ends with "N passed, N failed" (read by scripts/test.ts).
#include "check.h"

int check_failed;
const char *check_test;
extern const test_case_t flash_tests[], radio_tests[], link_tests[], host_door_tests[];

int main(int argc, char **argv) {
    const test_case_t *suites[] = {flash_tests, radio_tests, link_tests, host_door_tests};
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++)
        for (const test_case_t *t = suites[s]; t->name; t++) {
            if (argc > 1 && !strstr(t->name, argv[1]))
                continue;
            check_test = t->name;
            check_failed = 0;
            t->run();
            if (check_failed)
                failed++;
            else {
                passed++;
                printf("  ok %s\n", t->name);
            }
        }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
