/*
 * zlib-count-lines: inflate a gzip file (every member, as gzip -d does) with zlib and count its lines.
 * The floor for jailbird's .gz scan: plain zlib inflate plus a memchr newline count, nothing else.
 *
 *   cc -O2 bench/zlib-count-lines.c -lz -o .build/zlib-count-lines
 *   .build/zlib-count-lines FILE.gz      -> prints "<lines> lines, <bytes> bytes"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { IN_SIZE = 1 << 18, OUT_SIZE = 1 << 18 };

static unsigned long long count_newlines(const unsigned char *p, size_t n) {
    unsigned long long lines = 0;
    const unsigned char *end = p + n;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        lines++;
        p = nl + 1;
    }
    return lines;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.gz\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    static unsigned char in[IN_SIZE], out[OUT_SIZE];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) { /* 15 + 32: zlib or gzip header, auto-detected */
        fprintf(stderr, "inflateInit2 failed\n");
        return 1;
    }
    unsigned long long lines = 0, bytes = 0;
    int eof = 0, status = 0, mid_member = 0;
    for (;;) {
        if (zs.avail_in == 0 && !eof) {
            ssize_t n = read(fd, in, IN_SIZE);
            if (n < 0) {
                if (errno == EINTR) continue;
                fprintf(stderr, "read: %s\n", strerror(errno));
                status = 1;
                break;
            }
            if (n == 0) eof = 1;
            zs.next_in = in;
            zs.avail_in = (uInt)n;
        }
        if (zs.avail_in == 0 && eof) {
            if (mid_member) {
                fprintf(stderr, "%s: truncated gzip stream\n", argv[1]);
                status = 1;
            }
            break;
        }
        zs.next_out = out;
        zs.avail_out = OUT_SIZE;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t produced = OUT_SIZE - zs.avail_out;
        lines += count_newlines(out, produced);
        bytes += produced;
        mid_member = rc != Z_STREAM_END;
        if (rc == Z_STREAM_END) {
            /* another gzip member may follow (concatenated .gz files) */
            if (inflateReset(&zs) != Z_OK) { status = 1; break; }
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            fprintf(stderr, "%s: inflate error %d (%s)\n", argv[1], rc, zs.msg ? zs.msg : "");
            status = 1;
            break;
        }
    }
    inflateEnd(&zs);
    close(fd);
    printf("%llu lines, %llu bytes\n", lines, bytes);
    return status;
}
