#ifndef SLUICE_CFUZZCOVERAGE_H
#define SLUICE_CFUZZCOVERAGE_H
// Coverage counters for libFuzzer from Swift code; see FuzzCoverage.c. Nothing to call.
#endif
