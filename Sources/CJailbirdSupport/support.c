#define _GNU_SOURCE
#include "CJailbirdSupport.h"
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>

const void *jb_memmem(const void *h, size_t hl, const void *n, size_t nl) { return memmem(h, hl, n, nl); }
const void *jb_memrchr(const void *b, int c, size_t n) { return memrchr(b, c, n); }

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

