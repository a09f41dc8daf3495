#ifndef AEON_CLZ4_SHIM_H
#define AEON_CLZ4_SHIM_H
// The system liblz4 (Debian: liblz4-dev, Homebrew: lz4). Function-like macros such as
// LZ4_COMPRESSBOUND do not import into Swift; call LZ4_compressBound() instead.
#include <lz4.h>
#endif
