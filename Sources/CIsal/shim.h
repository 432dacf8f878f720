#ifndef SLUICE_CISAL_SHIM_H
#define SLUICE_CISAL_SHIM_H
#include <isa-l.h>

/// The level buffer sizes are macros of expressions Swift cannot import.
static inline unsigned sluice_isal_level_buffer_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}
#endif
