/* The floor for `cat` of a .gz in the bench: ISA-L's isal_inflate over every member of a gzip
 * file, output written to standard output, in a plain C loop. Compiled by bench.py at run time:
 *   cc -O2 -o isal-floor isal_floor.c -lisal
 */
#include <isa-l.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_SIZE (1 << 20)
#define OUT_SIZE (1 << 20)

int main(int argc, char **argv) {
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f) { perror(argv[1]); return 2; }
    static uint8_t in[IN_SIZE], out[OUT_SIZE];
    static struct inflate_state state;
    struct isal_gzip_header header;
    isal_inflate_init(&state);
    isal_gzip_header_init(&header);
    int in_header = 1;
    size_t have = 0;
    uint8_t *next = in;
    for (;;) {
        if (have == 0) {
            have = fread(in, 1, IN_SIZE, f);
            next = in;
            if (have == 0) break;
        }
        state.next_in = next;
        state.avail_in = (uint32_t)have;
        if (in_header) {
            int r = isal_read_gzip_header(&state, &header);
            next = state.next_in; have = state.avail_in;
            if (r == ISAL_END_INPUT) continue;
            if (r != ISAL_DECOMP_OK) { fprintf(stderr, "bad header\n"); return 2; }
            in_header = 0;
            state.crc_flag = ISAL_GZIP_NO_HDR_VER;
        }
        do {
            state.next_out = out;
            state.avail_out = OUT_SIZE;
            int r = isal_inflate(&state);
            if (r != ISAL_DECOMP_OK) { fprintf(stderr, "inflate error %d\n", r); return 2; }
            size_t n = OUT_SIZE - state.avail_out;
            if (n && fwrite(out, 1, n, stdout) != n) return 2;
        } while (state.avail_out == 0);
        next = state.next_in; have = state.avail_in;
        if (state.block_state == ISAL_BLOCK_FINISH) {
            isal_inflate_reset(&state);
            isal_gzip_header_init(&header);
            in_header = 1;
        }
    }
    return in_header ? 0 : 2;
}
