#define _GNU_SOURCE
#include "CJailbirdSupport.h"
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>

const void *jb_memmem(const void *h, size_t hl, const void *n, size_t nl) { return memmem(h, hl, n, nl); }
const void *jb_memrchr(const void *b, int c, size_t n) { return memrchr(b, c, n); }

int jb_usable_processor_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

static _Thread_local uintptr_t guard_base;
static _Thread_local size_t guard_length;
static _Thread_local long long guard_fault_offset = -1;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void sigbus_handler(int sig, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    if (guard_length != 0 && address >= guard_base && address < guard_base + guard_length) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t start = address & ~(page - 1);
        uintptr_t end = (guard_base + guard_length + page - 1) & ~(page - 1);
        // Replace the vanished tail of the mapping with zero pages; the faulting read is retried.
        if (mmap((void *)start, end - start, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            long long offset = (long long)(start > guard_base ? start - guard_base : 0);
            if (guard_fault_offset < 0 || offset < guard_fault_offset) guard_fault_offset = offset;
            return;
        }
    }
    // Not ours: fall back to the default action (terminate with SIGBUS).
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = sigbus_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, NULL);
}

void jb_mapped_read_begin(const void *base, size_t length) {
    pthread_once(&guard_once, install_handler);
    guard_base = (uintptr_t)base;
    guard_length = length;
    guard_fault_offset = -1;
}

long long jb_mapped_read_end(void) {
    guard_length = 0;
    guard_base = 0;
    long long offset = guard_fault_offset;
    guard_fault_offset = -1;
    return offset;
}


// MARK: - Byte-pair search for skipping lines (jb_find_byte_pair)

// The plain loop, from `start`: the whole search where there is no AVX2, and the tail after it.
static size_t find_byte_pair_from(const unsigned char *p, size_t start, size_t length, unsigned char first,
                                  uint32_t seconds, int second_count, size_t *newlines, long long *last_newline) {
    for (size_t i = start; i < length; i++) {
        if (p[i] == first && i + 1 < length) {
            for (int k = 0; k < second_count; k++) {
                if (p[i + 1] == (unsigned char)(seconds >> (8 * k))) return i;
            }
        }
        if (p[i] == '\n') {
            *newlines += 1;
            *last_newline = (long long)i;
        }
    }
    return length;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2")))
static size_t find_byte_pair_avx2(const unsigned char *p, size_t length, unsigned char first, uint32_t seconds,
                                  int second_count, size_t *newlines, long long *last_newline) {
    const __m256i want_first = _mm256_set1_epi8((char)first);
    const __m256i want_newline = _mm256_set1_epi8('\n');
    // Unused slots repeat the first second byte.
    __m256i want_second[4];
    for (int k = 0; k < 4; k++) want_second[k] = _mm256_set1_epi8((char)(seconds >> (8 * (k < second_count ? k : 0))));
    size_t i = 0;
    // Each step compares 32 bytes and the 32 bytes one further on, so it needs 33.
    for (; i + 33 <= length; i += 32) {
        __m256i here = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i next = _mm256_loadu_si256((const __m256i *)(p + i + 1));
        __m256i second_hit = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(next, want_second[0]), _mm256_cmpeq_epi8(next, want_second[1])),
            _mm256_or_si256(_mm256_cmpeq_epi8(next, want_second[2]), _mm256_cmpeq_epi8(next, want_second[3])));
        uint32_t pairs = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(here, want_first), second_hit));
        uint32_t breaks = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(here, want_newline));
        unsigned at = 32;
        if (pairs != 0) {
            at = (unsigned)__builtin_ctz(pairs);
            breaks &= at == 0 ? 0 : 0xFFFFFFFFu >> (32 - at);  // only the newlines before the pair
        }
        if (breaks != 0) {
            *newlines += (size_t)__builtin_popcount(breaks);
            *last_newline = (long long)(i + 31 - (unsigned)__builtin_clz(breaks));
        }
        if (pairs != 0) return i + at;
    }
    return find_byte_pair_from(p, i, length, first, seconds, second_count, newlines, last_newline);
}
#endif

// One to four second bytes.
static int clamped_second_count(int second_count) { return second_count < 1 ? 1 : second_count > 4 ? 4 : second_count; }

size_t jb_find_byte_pair(const void *bytes, size_t length, unsigned char first, uint32_t seconds, int second_count,
                         size_t *newlines, long long *last_newline) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        return find_byte_pair_avx2(bytes, length, first, seconds, clamped_second_count(second_count), newlines,
                                   last_newline);
    }
#endif
    return jb_find_byte_pair_plain(bytes, length, first, seconds, second_count, newlines, last_newline);
}

size_t jb_find_byte_pair_plain(const void *bytes, size_t length, unsigned char first, uint32_t seconds,
                               int second_count, size_t *newlines, long long *last_newline) {
    return find_byte_pair_from(bytes, 0, length, first, seconds, clamped_second_count(second_count), newlines,
                               last_newline);
}
