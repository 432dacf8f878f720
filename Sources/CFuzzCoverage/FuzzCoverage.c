// Edge coverage of Swift code for libFuzzer.
//
// swiftc -sanitize=fuzzer instruments code with trace-pc-guard callbacks, which the libFuzzer
// shipped with the toolchain no longer accepts (it exits at start-up). `make fuzz` links with
// `--wrap` for the two callbacks, so they land here instead: each guard gets an index into an
// array in the `__libfuzzer_extra_counters` section, which libFuzzer reads as coverage. In a
// normal build nothing calls these functions.
#include <stdint.h>
#include "CFuzzCoverage.h"

#define SLUICE_COUNTER_COUNT (1 << 17)

__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t sluice_counters[SLUICE_COUNTER_COUNT];
static uint32_t sluice_next_guard = 1;

void __wrap___sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) {
    if (start == stop || *start != 0) return;
    for (uint32_t *guard = start; guard < stop; guard++) {
        *guard = sluice_next_guard;
        sluice_next_guard = sluice_next_guard % (SLUICE_COUNTER_COUNT - 1) + 1;
    }
}

void __wrap___sanitizer_cov_trace_pc_guard(uint32_t *guard) {
    uint8_t *counter = &sluice_counters[*guard];
    if (*counter != 255) *counter += 1;
}
