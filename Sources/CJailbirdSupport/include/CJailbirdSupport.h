#ifndef JAILBIRD_SUPPORT_H
#define JAILBIRD_SUPPORT_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// memmem and memrchr are GNU extensions that Glibc's Swift overlay hides (no _GNU_SOURCE);
/// these forward to them.
const void *jb_memmem(const void *haystack, size_t haystackLength, const void *needle, size_t needleLength);
const void *jb_memrchr(const void *buffer, int byte, size_t length);

/// The number of processors this thread may run on (its affinity mask, which `taskset` and
/// cgroup cpusets narrow; `sysconf(_SC_NPROCESSORS_ONLN)` counts every online one), at least 1.
int jb_usable_processor_count(void);

/// The first offset i below `length - 1` where `bytes[i]` is `first` and `bytes[i + 1]` is one of
/// the low `second_count` bytes of `seconds` (one to four), or `length` when there is none. The
/// `\n` bytes before that offset (all of them when it is `length`) are added to `*newlines`, and
/// the offset of the last one is stored in `*last_newline` (left as it was when there is none).
/// 32 bytes a step with AVX2 where the processor has it: a line splitter uses it to skip, without
/// visiting them, the lines that lack a byte pair every line it needs holds.
size_t jb_find_byte_pair(const void *bytes, size_t length, unsigned char first, uint32_t seconds, int second_count,
                         size_t *newlines, long long *last_newline);
/// `jb_find_byte_pair` a byte at a time, as on processors without AVX2 (tests compare the two).
size_t jb_find_byte_pair_plain(const void *bytes, size_t length, unsigned char first, uint32_t seconds,
                               int second_count, size_t *newlines, long long *last_newline);

/// SIGBUS guard for memory-mapped files that shrink while they are read (logrotate copytruncate).
/// `jb_mapped_read_begin` registers, for the calling thread, the mapped range about to be read.
/// If a read inside it faults with SIGBUS, the handler maps zero-filled pages over the missing
/// part, so the read continues over NUL bytes instead of killing the process, and remembers
/// the lowest faulting offset. `jb_mapped_read_end` unregisters the range and returns that
/// offset from `base`, or -1 when nothing faulted. A SIGBUS outside a registered range keeps
/// its default action. The handler is installed on first use; it is async-signal-safe.
void jb_mapped_read_begin(const void *base, size_t length);
long long jb_mapped_read_end(void);

/// Which of the first `length` bytes at `bytes` (at most 64) are one of a small set: bit i of the
/// result is set when `bytes[i]` equals one of the low `set_count` bytes of `set` (at most 8,
/// none of them 0). Sixteen bytes a step with SSE2 where there is SSE2; a matcher looks only
/// where a rare byte of its keywords stands. Inline, so that a constant set folds into the compares.
static inline uint64_t jb_bytes_in_set(const void *bytes, size_t length, uint64_t set, int set_count) {
    if (length > 64) length = 64;
    // Sixteen-byte loads may read past `length`. Within one page that cannot fault; a short piece
    // near the end of a page is copied into a zeroed block instead. Bits past `length` are cleared.
    unsigned char block[64] __attribute__((aligned(16)));
    const unsigned char *data = bytes;
    if (length < 64 && ((uintptr_t)bytes & 4095) > 4096 - 64) {
        memset(block, 0, sizeof block);
        memcpy(block, bytes, length);
        data = block;
    }
    uint64_t mask = 0;
#if defined(__SSE2__)
    __m128i wanted[8];
    for (int k = 0; k < set_count && k < 8; k++) wanted[k] = _mm_set1_epi8((char)(set >> (8 * k)));
    int parts = (int)((length + 15) / 16);
    for (int part = 0; part < parts; part++) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(data + 16 * part));
        __m128i hits = _mm_setzero_si128();
        for (int k = 0; k < set_count && k < 8; k++) hits = _mm_or_si128(hits, _mm_cmpeq_epi8(chunk, wanted[k]));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * part);
    }
#else
    for (size_t i = 0; i < length; i++) {
        for (int k = 0; k < set_count && k < 8; k++) {
            if (data[i] == (unsigned char)(set >> (8 * k))) { mask |= (uint64_t)1 << i; break; }
        }
    }
#endif
    return length == 64 ? mask : mask & (((uint64_t)1 << length) - 1);
}
/// Whether the 16 bytes from offset `i` may be loaded for a search of the first `length` bytes at
/// `p`: they lie inside them, or at least inside the page of the first one (so the load cannot
/// fault; the bytes past `length` are ignored).
static inline int jb_may_load16(const unsigned char *p, size_t i, size_t length) {
    return i < length && (i + 16 <= length || ((uintptr_t)(p + i) & 4095) <= 4096 - 16);
}

/// How many of the first `length` bytes at `bytes` are word bytes: `[0-9A-Za-z_]` or 0x80 and
/// above (jailbird's `\w` on bytes). Sixteen bytes a step with SSE2: keys of `Key="value"`
/// pairs and host names are short runs found many times a line.
static inline size_t jb_word_run(const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    size_t i = 0;
#if defined(__SSE2__)
    while (jb_may_load16(p, i, length)) {
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i digit = _mm_sub_epi8(b, _mm_set1_epi8('0'));
        digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
        __m128i letter = _mm_sub_epi8(_mm_or_si128(b, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
        letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter);
        __m128i word = _mm_or_si128(_mm_or_si128(digit, letter), _mm_cmpeq_epi8(b, _mm_set1_epi8('_')));
        unsigned other = ~(unsigned)(_mm_movemask_epi8(word) | _mm_movemask_epi8(b)) & 0xFFFF;
        if (other != 0) {
            size_t end = i + (size_t)__builtin_ctz(other);
            return end < length ? end : length;
        }
        i += 16;
    }
    if (i >= length) return length;
#endif
    for (; i < length; i++) {
        unsigned char c = p[i];
        int word = c >= 0x80 || (unsigned char)(c - '0') < 10 || (unsigned char)((c | 0x20) - 'a') < 26 || c == '_';
        if (!word) return i;
    }
    return length;
}

/// The offset of the first `byte` among the first `length` bytes at `bytes`, or `length`. Sixteen
/// bytes a step with SSE2, inline: for the short distances where a call to memchr costs more
/// than the search (the closing quote of a short value).
static inline size_t jb_find_byte_near(const void *bytes, size_t length, unsigned char byte) {
    const unsigned char *p = bytes;
    size_t i = 0;
#if defined(__SSE2__)
    while (jb_may_load16(p, i, length)) {
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)byte)));
        if (hits != 0) {
            size_t found = i + (size_t)__builtin_ctz(hits);
            return found < length ? found : length;
        }
        i += 16;
    }
    if (i >= length) return length;
#endif
    for (; i < length; i++) {
        if (p[i] == byte) return i;
    }
    return length;
}

#endif
