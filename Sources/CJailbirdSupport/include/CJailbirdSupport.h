#ifndef JAILBIRD_SUPPORT_H
#define JAILBIRD_SUPPORT_H
#include <stddef.h>

/// memmem and memrchr are GNU extensions that Glibc's Swift overlay hides (no _GNU_SOURCE);
/// these forward to them.
const void *jb_memmem(const void *haystack, size_t haystackLength, const void *needle, size_t needleLength);
const void *jb_memrchr(const void *buffer, int byte, size_t length);

/// SIGBUS guard for memory-mapped files that shrink while they are read (logrotate copytruncate).
/// `jb_mapped_read_begin` registers, for the calling thread, the mapped range about to be read.
/// If a read inside it faults with SIGBUS, the handler maps zero-filled pages over the missing
/// part, so the read continues over NUL bytes instead of killing the process, and remembers
/// the lowest faulting offset. `jb_mapped_read_end` unregisters the range and returns that
/// offset from `base`, or -1 when nothing faulted. A SIGBUS outside a registered range keeps
/// its default action. The handler is installed on first use; it is async-signal-safe.
void jb_mapped_read_begin(const void *base, size_t length);
long long jb_mapped_read_end(void);
#endif
