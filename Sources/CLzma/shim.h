#ifndef SLUICE_CLZMA_SHIM_H
#define SLUICE_CLZMA_SHIM_H
#include <lzma.h>
#endif
