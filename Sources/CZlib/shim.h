#ifndef JAILBIRD_CZLIB_SHIM_H
#define JAILBIRD_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a function-like macro, which Swift cannot import; this wraps it.
static inline int czlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
