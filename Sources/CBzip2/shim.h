#ifndef SLUICE_CBZIP2_SHIM_H
#define SLUICE_CBZIP2_SHIM_H
#include <bzlib.h>
#endif
