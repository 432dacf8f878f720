#ifndef SLUICE_CHYPERSCAN_SHIM_H
#define SLUICE_CHYPERSCAN_SHIM_H
/* Vectorscan (the portable Hyperscan fork; Debian libvectorscan-dev), block mode only. */
#include <hs/hs.h>
#endif
