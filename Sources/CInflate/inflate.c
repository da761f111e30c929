#include "CInflate.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

#if __has_include(<isa-l/igzip_lib.h>)
#include <isa-l/igzip_lib.h>
#define JB_HAVE_ISAL 1
#endif

struct jb_inflater {
    int is_isal;
    z_stream zlib;
#if JB_HAVE_ISAL
    struct inflate_state *isal;
#endif
};

#if JB_HAVE_ISAL
/// ISA-L's functions, looked up once. The library is optional: a machine without it uses zlib.
static struct {
    void (*init)(struct inflate_state *);
    int (*inflate)(struct inflate_state *);
} isal_api;

static void load_isal_once(void) {
    void *library = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libisal.2.dylib", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    void *init = dlsym(library, "isal_inflate_init");
    void *inflate = dlsym(library, "isal_inflate");
    if (!init || !inflate) return;
    isal_api.init = (void (*)(struct inflate_state *))init;
    isal_api.inflate = (int (*)(struct inflate_state *))inflate;
}

static pthread_once_t isal_once = PTHREAD_ONCE_INIT;
#endif

jb_inflater *jb_inflater_create(int allow_isal) {
    jb_inflater *inflater = calloc(1, sizeof *inflater);
    if (!inflater) return NULL;
#if JB_HAVE_ISAL
    if (allow_isal) {
        pthread_once(&isal_once, load_isal_once);
        if (isal_api.inflate && (inflater->isal = malloc(sizeof *inflater->isal))) {
            inflater->is_isal = 1;
            return inflater;
        }
    }
#else
    (void)allow_isal;
#endif
    // 15 + 16: the gzip wrapper only (the caller saw the magic bytes), a 32 KiB window.
    if (inflateInit2(&inflater->zlib, 15 + 16) != Z_OK) {
        free(inflater);
        return NULL;
    }
    return inflater;
}

void jb_inflater_destroy(jb_inflater *inflater) {
    if (!inflater) return;
#if JB_HAVE_ISAL
    if (inflater->is_isal) {
        free(inflater->isal);
        free(inflater);
        return;
    }
#endif
    inflateEnd(&inflater->zlib);
    free(inflater);
}

int jb_inflater_is_isal(const jb_inflater *inflater) { return inflater->is_isal; }

int jb_inflater_isal_built(void) {
#if JB_HAVE_ISAL
    return 1;
#else
    return 0;
#endif
}

void jb_inflater_start_member(jb_inflater *inflater) {
#if JB_HAVE_ISAL
    if (inflater->is_isal) {
        isal_api.init(inflater->isal);
        inflater->isal->crc_flag = ISAL_GZIP;  // parse the gzip header and check the trailer
        return;
    }
#endif
    inflateReset(&inflater->zlib);
}

#if JB_HAVE_ISAL
/// zlib's words for the same faults, so that a message does not depend on the engine.
static const char *isal_reason(int code) {
    switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid block type";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    default: return "invalid compressed data";
    }
}

/// A failed trailer check, told apart and placed as zlib does. ISA-L has read the whole trailer
/// (CRC-32, then length) when it fails; a stored CRC that matches leaves the length to blame,
/// and zlib stops at a bad CRC before it reads the length. When the trailer began in an earlier
/// call (fewer than 8 bytes consumed here) it cannot be looked at: a bad CRC is then assumed.
static const char *isal_checksum_reason(const struct inflate_state *state, const uint8_t *input, size_t *consumed) {
    if (*consumed >= 8) {
        const uint8_t *crc = input + *consumed - 8;
        uint32_t stored = (uint32_t)crc[0] | (uint32_t)crc[1] << 8 | (uint32_t)crc[2] << 16 | (uint32_t)crc[3] << 24;
        if (stored == state->crc) return "incorrect length check";
        *consumed -= 4;
    }
    return "incorrect data check";
}
#endif

int jb_inflater_run(jb_inflater *inflater, const uint8_t *input, size_t input_count, uint8_t *output,
                    size_t output_count, size_t *consumed, size_t *produced, const char **reason) {
    // Both engines count in 32 bits.
    if (input_count > UINT_MAX) input_count = UINT_MAX;
    if (output_count > UINT_MAX) output_count = UINT_MAX;
#if JB_HAVE_ISAL
    if (inflater->is_isal) {
        struct inflate_state *state = inflater->isal;
        state->next_in = (uint8_t *)input;
        state->avail_in = (uint32_t)input_count;
        state->next_out = output;
        state->avail_out = (uint32_t)output_count;
        int code = isal_api.inflate(state);
        *consumed = input_count - state->avail_in;
        *produced = output_count - state->avail_out;
        if (code < 0) {
            *reason = code == ISAL_INCORRECT_CHECKSUM ? isal_checksum_reason(state, input, consumed) : isal_reason(code);
            return JB_INFLATE_CORRUPT;
        }
        if (state->block_state == ISAL_BLOCK_FINISH) return JB_INFLATE_MEMBER_END;
        return (*consumed == 0 && *produced == 0) ? JB_INFLATE_NEEDS_INPUT : JB_INFLATE_PROGRESS;
    }
#endif
    z_stream *stream = &inflater->zlib;
    stream->next_in = (Bytef *)input;
    stream->avail_in = (uInt)input_count;
    stream->next_out = output;
    stream->avail_out = (uInt)output_count;
    int code = inflate(stream, Z_NO_FLUSH);
    *consumed = input_count - stream->avail_in;
    *produced = output_count - stream->avail_out;
    switch (code) {
    case Z_OK: return JB_INFLATE_PROGRESS;
    case Z_STREAM_END: return JB_INFLATE_MEMBER_END;
    case Z_BUF_ERROR: return JB_INFLATE_NEEDS_INPUT;
    default:
        *reason = stream->msg ? stream->msg : "invalid compressed data";
        return JB_INFLATE_CORRUPT;
    }
}
