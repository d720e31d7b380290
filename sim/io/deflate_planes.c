/* cs_planes_zlib (deflate.h): a zlib stream for the output of HDF5's shuffle filter, a block
 * per byte plane.
 *
 * The planes of shuffled simulation output are of two kinds: the low bytes of doubles and
 * floats (times, quality, rates), nearly uniform, which no deflate coder shrinks by more than
 * a few per cent, and the high bytes, counters and codes, which are long runs or a few
 * symbols. A general coder (LZ77 with hash chains, as zlib and libdeflate at level 1) spends
 * the same effort per byte on both. Here each plane is one deflate block of its own: stored
 * when Huffman coding would save under 1/16 of it, else dynamic Huffman over literals and runs
 * (matches at distance 1, as zlib's Z_RLE strategy makes). Two passes over each plane: one
 * finds the runs and counts the symbols, the other writes them; the runs' positions are kept
 * in the coder's scratch (cs_planes), nothing else is allocated. Any inflater reads the result
 * (HDF5's deflate filter, h5py, R): the format is RFC 1950/1951, nothing of ours. */
#include "deflate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { N_LITLEN = 286, N_CLEN = 19, MAX_BITS = 15, MAX_CLEN_BITS = 7, STORED_MAX = 65535 };

/* RFC 1951 3.2.5: the length codes 257..285, their base lengths and extra bits. */
static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
/* The order the code-length code's lengths are sent in. */
static const uint8_t clen_order[N_CLEN] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                           11, 4,  12, 3, 13, 2, 14, 1, 15};

/* The code (257..285) of match length l (3..258), built once per call. */
typedef struct {
    uint8_t code[259]; /* minus 257 */
} len_table;

static void len_table_init(len_table *t)
{
    for (int c = 0; c < 29; c++) {
        int hi = c < 28 ? len_base[c + 1] : 259;
        for (int l = len_base[c]; l < hi && l <= 258; l++)
            t->code[l] = (uint8_t)c;
    }
    t->code[258] = 28; /* 258 has a code of its own, not 227 + 31 */
}

/* ---- Huffman code lengths, limited ---- */

typedef struct {
    uint32_t freq;
    uint16_t sym;
} sym_freq;

/* Sorts s[0..n) by increasing frequency, stably: insertion for a few, else LSD radix on the
 * frequency's bytes, skipping bytes all zero. */
static void sort_by_freq(sym_freq *s, int n)
{
    if (n <= 32) { /* few symbols (the code-length code, planes of a few values) */
        for (int i = 1; i < n; i++) {
            sym_freq t = s[i];
            int j = i;
            for (; j > 0 && s[j - 1].freq > t.freq; j--)
                s[j] = s[j - 1];
            s[j] = t;
        }
        return;
    }
    sym_freq tmp[N_LITLEN], *a = s, *b = tmp;
    uint32_t all = 0;
    for (int i = 0; i < n; i++)
        all |= s[i].freq;
    for (int shift = 0; shift < 32 && (all >> shift); shift += 8) {
        int count[256] = {0}, pos[256];
        for (int i = 0; i < n; i++)
            count[(a[i].freq >> shift) & 0xff]++;
        pos[0] = 0;
        for (int k = 1; k < 256; k++)
            pos[k] = pos[k - 1] + count[k - 1];
        for (int i = 0; i < n; i++)
            b[pos[(a[i].freq >> shift) & 0xff]++] = a[i];
        sym_freq *t = a;
        a = b;
        b = t;
    }
    if (a != s) memcpy(s, a, (size_t)n * sizeof *s);
}

/* In-place minimum-redundancy code lengths of A[0..n) sorted by increasing weight (Moffat and
 * Katajainen, 1995): on return A[i] is the length of the i-th lightest symbol's code. */
static void min_redundancy(uint32_t *A, int n)
{
    if (n == 1) {
        A[0] = 1;
        return;
    }
    int root = 0, leaf = 2, next;
    A[0] += A[1];
    for (next = 1; next < n - 1; next++) {
        if (leaf >= n || A[root] < A[leaf]) {
            A[next] = A[root];
            A[root++] = (uint32_t)next;
        } else
            A[next] = A[leaf++];
        if (leaf >= n || (root < next && A[root] < A[leaf])) {
            A[next] += A[root];
            A[root++] = (uint32_t)next;
        } else
            A[next] += A[leaf++];
    }
    A[n - 2] = 0;
    for (next = n - 3; next >= 0; next--)
        A[next] = A[A[next]] + 1;
    int avbl = 1, used = 0, dpth = 0;
    root = n - 2;
    next = n - 1;
    while (avbl > 0) {
        while (root >= 0 && (int)A[root] == dpth) {
            used++;
            root--;
        }
        while (avbl > used) {
            A[next--] = (uint32_t)dpth;
            avbl--;
        }
        avbl = 2 * used;
        dpth++;
        used = 0;
    }
}

/* Code lengths len[0..n) for the frequencies freq[0..n), none longer than max_bits, the code
 * complete (at least two symbols get a code: a lone used symbol is given a partner, since
 * inflaters refuse an incomplete code-length or literal/length code). */
static void code_lengths(const uint32_t *freq, int n, int max_bits, uint8_t *len)
{
    sym_freq s[N_LITLEN];
    uint32_t A[N_LITLEN] = {0}; /* all set below; zeroed for the compiler's sake */
    int m = 0;
    memset(len, 0, (size_t)n);
    for (int i = 0; i < n; i++)
        if (freq[i]) s[m].freq = freq[i], s[m].sym = (uint16_t)i, m++;
    for (int i = 0; m < 2 && i < n; i++) /* a partner for a lone symbol (or two for none) */
        if (!freq[i]) s[m].freq = 1, s[m].sym = (uint16_t)i, m++;
    sort_by_freq(s, m);
    for (int i = 0; i < m; i++)
        A[i] = s[i].freq;
    min_redundancy(A, m);
    /* Limit the lengths (as miniz does): count codes per length, fold the too long into
     * max_bits, then lengthen shorter codes until the Kraft sum is exactly 1. */
    int count[33] = {0};
    for (int i = 0; i < m; i++)
        count[A[i] > 32 ? 32 : A[i]]++;
    for (int b = max_bits + 1; b <= 32; b++)
        count[max_bits] += count[b], count[b] = 0;
    uint32_t total = 0;
    for (int b = max_bits; b > 0; b--)
        total += (uint32_t)count[b] << (max_bits - b);
    while (total != (1u << max_bits)) {
        count[max_bits]--;
        for (int b = max_bits - 1; b > 0; b--)
            if (count[b]) {
                count[b]--;
                count[b + 1] += 2;
                break;
            }
        total--;
    }
    /* the lightest symbols get the longest codes */
    int k = 0;
    for (int b = max_bits; b > 0; b--)
        for (int j = count[b]; j > 0; j--)
            len[s[k++].sym] = (uint8_t)b;
}

/* Bytes bit-reversed. */
static const uint8_t rev8[256] = {
#define R2(n) n, n + 2 * 64, n + 1 * 64, n + 3 * 64
#define R4(n) R2(n), R2(n + 2 * 16), R2(n + 1 * 16), R2(n + 3 * 16)
#define R6(n) R4(n), R4(n + 2 * 4), R4(n + 1 * 4), R4(n + 3 * 4)
    R6(0), R6(2), R6(1), R6(3)
#undef R2
#undef R4
#undef R6
};

/* Canonical codes for the lengths, bit-reversed: deflate sends Huffman codes from their most
 * significant bit, into a stream read from the least. */
static void canonical(const uint8_t *len, int n, uint16_t *code)
{
    int count[MAX_BITS + 1] = {0};
    uint16_t next[MAX_BITS + 2];
    for (int i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    next[1] = 0;
    for (int b = 1; b <= MAX_BITS; b++)
        next[b + 1] = (uint16_t)((next[b] + count[b]) << 1);
    for (int i = 0; i < n; i++) {
        if (!len[i]) continue;
        unsigned c = next[len[i]]++;
        unsigned r = (unsigned)rev8[c & 0xff] << 8 | rev8[c >> 8]; /* the 16 bits reversed */
        code[i] = (uint16_t)(r >> (16 - len[i]));
    }
}

/* ---- bits ---- */

/* The bit writer: whole bytes go out eight at a time (the output keeps 8 bytes of slack);
 * fewer than 8 bits stay in acc between tokens. */
typedef struct {
    unsigned char *p;
    uint64_t acc;
    unsigned n;
} bitw;

static inline void put(bitw *w, uint64_t bits, unsigned n)
{
    w->acc |= bits << w->n;
    w->n += n;
}

/* The eight bytes of a at p, least significant first. */
static inline void store_le64(unsigned char *p, uint64_t a)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &a, 8);
#else
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(a >> (8 * k));
#endif
}

static inline void flush(bitw *w)
{
    uint64_t a = w->acc;
    store_le64(w->p, a);
    w->p += w->n >> 3;
    w->acc = w->n >= 64 ? 0 : a >> (w->n & ~7u);
    w->n &= 7;
}

/* Pads to a byte boundary and writes out the last bits. */
static void align(bitw *w)
{
    flush(w);
    if (w->n) *w->p++ = (unsigned char)w->acc;
    w->acc = 0;
    w->n = 0;
}

/* ---- one plane ---- */

/* A plane's runs: the matches at distance 1, in order. Every other byte is a literal. */
typedef struct {
    uint32_t *pos; /* where each starts in the plane */
    uint16_t *len; /* its length, 3..258 */
} runs;

/* The length of the run at p[i] repeating p[i - 1] (i >= 1), up to 258 and the end at m. */
static inline size_t run_at(const unsigned char *p, size_t i, size_t m)
{
    unsigned char b = p[i - 1];
    size_t lim = m - i < 258 ? m - i : 258, r = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t pat = 0x0101010101010101ull * b; /* eight bytes at a time: the first differing */
    for (; r + 8 <= lim; r += 8) {
        uint64_t v;
        memcpy(&v, p + i + r, 8);
        if (v ^ pat) return r + ((unsigned)__builtin_ctzll(v ^ pat) >> 3);
    }
#endif
    while (r < lim && p[i + r] == b)
        r++;
    return r;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Bit j set when q[j] == q[j - 1], j < 8 (q[-1] readable). */
static inline uint32_t equal_mask(const unsigned char *q)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t v, u;
    memcpy(&v, q, 8);
    memcpy(&u, q - 1, 8);
    uint64_t x = v ^ u;                           /* zero bytes where equal */
    uint64_t z = ~(((x & lo7) + lo7) | x) & ~lo7; /* exactly their top bits */
    return (uint32_t)((z * 0x02040810204081ull) >> 56);
}
#endif

/* Finds the runs of plane p[0..m) (3 or more bytes equal to the byte before, as matches at
 * distance 1; the rest literals) and counts the literal/length symbols into freq. Returns the
 * number of runs. Eight bytes at a time where possible: the bytes before the next run go
 * through without a branch per byte. */
static size_t find_runs(const unsigned char *p, size_t m, const len_table *lt, runs *rs,
                        uint32_t *freq)
{
    uint32_t lit[4][256]; /* literals counted in four tables: a run of one byte value would
                           * otherwise wait on its own last increment */
    memset(lit, 0, sizeof lit);
    size_t nr = 0, i = 0, next_at = 0;
    uint32_t next_eq = 0; /* equal_mask(p + next_at), from the group before */
    if (m) lit[0][p[i++]]++;
    while (i < m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (i + 16 <= m) {
            /* bit j of eq: p[i+j] == p[i+j-1], for j < 16; a run starts at j < 8 when bits
             * j, j+1 and j+2 are set. The literals before the first start (or all eight)
             * are counted without a branch per byte. */
            uint32_t hi = equal_mask(p + i + 8);
            uint32_t eq = (i == next_at ? next_eq : equal_mask(p + i)) | hi << 8;
            uint32_t st = eq & eq >> 1 & eq >> 2 & 0xff;
            if (!st) { /* eight literals: the next group's first half is known */
                for (unsigned j = 0; j < 8; j++)
                    lit[j & 3][p[i + j]]++;
                i += 8;
                next_at = i;
                next_eq = hi;
                continue;
            }
            unsigned j0 = (unsigned)__builtin_ctz(st);
            for (unsigned j = 0; j < j0; j++)
                lit[j & 3][p[i + j]]++;
            i += j0; /* a run starts here: taken below, as a byte at a time would */
        }
#endif
        if (p[i] == p[i - 1]) {
            size_t r = run_at(p, i, m);
            if (r >= 3) {
                freq[257 + lt->code[r]]++;
                rs->pos[nr] = (uint32_t)i;
                rs->len[nr++] = (uint16_t)r;
                i += r;
                continue;
            }
        }
        lit[0][p[i++]]++;
    }
    for (int b = 0; b < 256; b++)
        freq[b] += lit[0][b] + lit[1][b] + lit[2][b] + lit[3][b];
    freq[256]++; /* end of block */
    return nr;
}

/* Whether a plane of m bytes, its tokens (literals and runs) counted in freq, is too evenly
 * spread for a Huffman code to save 1/16 of it. The code's payload is at least the tokens'
 * count t times their entropy, which is at least their collision entropy -log2(sum p^2);
 * stored when that bound exceeds 7.5 bits a byte. Cheaper than planning the block, and most
 * planes of low mantissa bytes are decided by it. */
static int too_even(const uint32_t *freq, size_t m)
{
    double sq = 0, t = 0;
    for (int s = 0; s < N_LITLEN; s++)
        if (s != 256) {
            sq += (double)freq[s] * (double)freq[s];
            t += (double)freq[s];
        }
    /* t * H2 > 7.5 m, with H2 = -log2(sq / t^2) */
    return t > 0 && sq < t * t * exp2(-7.5 * (double)m / t);
}

/* The code-length code's symbols for lens[0..n): RLE with 16 (repeat 3-6), 17 (zeros 3-10)
 * and 18 (zeros 11-138); each entry sym | extra << 8. Returns their count. */
static int rle_lengths(const uint8_t *lens, int n, uint16_t *out)
{
    int k = 0;
    for (int i = 0; i < n;) {
        int l = lens[i], r = 1;
        while (i + r < n && lens[i + r] == l)
            r++;
        i += r;
        if (l == 0) {
            while (r >= 11) {
                int c = r > 138 ? 138 : r;
                out[k++] = (uint16_t)(18 | (c - 11) << 8);
                r -= c;
            }
            if (r >= 3) {
                out[k++] = (uint16_t)(17 | (r - 3) << 8);
                r = 0;
            }
        } else {
            out[k++] = (uint16_t)l;
            r--;
            while (r >= 3) {
                int c = r > 6 ? 6 : r;
                out[k++] = (uint16_t)(16 | (c - 3) << 8);
                r -= c;
            }
        }
        while (r-- > 0)
            out[k++] = (uint16_t)l;
    }
    return k;
}

static const uint8_t clen_extra[N_CLEN] = {[16] = 2, [17] = 3, [18] = 7};

/* A dynamic block planned: its codes, the code lengths as sent, and its size. */
typedef struct {
    uint8_t lit_len[N_LITLEN];
    uint16_t lit_code[N_LITLEN];
    uint8_t clen_len[N_CLEN];
    uint16_t clen_code[N_CLEN];
    uint16_t rle[N_LITLEN + 1];
    int n_rle, hlit, hclen;
    uint64_t bits; /* the whole block, header included */
} dyn_block;

static void plan_dynamic(dyn_block *d, const uint32_t *freq, uint32_t matches)
{
    code_lengths(freq, N_LITLEN, MAX_BITS, d->lit_len);
    canonical(d->lit_len, N_LITLEN, d->lit_code);
    int hlit = N_LITLEN;
    while (hlit > 257 && !d->lit_len[hlit - 1])
        hlit--;
    d->hlit = hlit;
    /* the lengths sent: hlit literal/length lengths, then one distance length (code 0, the
     * distance 1 of every match, one bit long: a lone code, which inflaters accept) */
    uint8_t lens[N_LITLEN + 1];
    memcpy(lens, d->lit_len, (size_t)hlit);
    lens[hlit] = 1;
    d->n_rle = rle_lengths(lens, hlit + 1, d->rle);
    uint32_t cf[N_CLEN] = {0};
    for (int i = 0; i < d->n_rle; i++)
        cf[d->rle[i] & 0xff]++;
    code_lengths(cf, N_CLEN, MAX_CLEN_BITS, d->clen_len);
    canonical(d->clen_len, N_CLEN, d->clen_code);
    int hclen = N_CLEN;
    while (hclen > 4 && !d->clen_len[clen_order[hclen - 1]])
        hclen--;
    d->hclen = hclen;
    uint64_t bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen;
    for (int i = 0; i < d->n_rle; i++) {
        int s = d->rle[i] & 0xff;
        bits += d->clen_len[s] + clen_extra[s];
    }
    for (int s = 0; s < N_LITLEN; s++)
        bits += (uint64_t)freq[s] * (d->lit_len[s] + (s > 256 ? len_extra[s - 257] : 0));
    d->bits = bits + matches; /* each match's one-bit distance */
}

static void write_dynamic(bitw *w, const dyn_block *d, const unsigned char *p, size_t m,
                          const runs *rs, size_t nr, const len_table *lt, int final)
{
    put(w, (unsigned) final | 2u << 1, 3); /* BFINAL, BTYPE = 10 (dynamic) */
    put(w, (unsigned)(d->hlit - 257), 5);
    put(w, 0, 5); /* HDIST - 1: one distance code */
    put(w, (unsigned)(d->hclen - 4), 4);
    flush(w);
    for (int i = 0; i < d->hclen; i++) {
        put(w, d->clen_len[clen_order[i]], 3);
        flush(w);
    }
    for (int i = 0; i < d->n_rle; i++) {
        int s = d->rle[i] & 0xff;
        put(w, d->clen_code[s], d->clen_len[s]);
        if (clen_extra[s]) put(w, (unsigned)(d->rle[i] >> 8), clen_extra[s]);
        flush(w);
    }
    /* the hot loop on locals: stores through the char pointer could alias *w */
    const uint16_t *code = d->lit_code;
    const uint8_t *len = d->lit_len;
    unsigned char *o = w->p;
    uint64_t acc = w->acc;
    unsigned n = w->n;
    size_t i = 0;
    for (size_t r = 0; r <= nr; r++) {
        size_t end = r < nr ? rs->pos[r] : m;
        for (; i + 2 <= end; i += 2) { /* literals up to the next run, two at a time */
            unsigned l0 = len[p[i]], l1 = len[p[i + 1]];
            uint64_t c = code[p[i]] | (uint64_t)code[p[i + 1]] << l0;
            acc |= c << n;
            n += l0 + l1;
            store_le64(o, acc);
            o += n >> 3;
            acc >>= n & ~7u; /* n < 8 + 30 here */
            n &= 7;
        }
        if (i < end) {
            acc |= (uint64_t)code[p[i]] << n;
            n += len[p[i]];
            store_le64(o, acc);
            o += n >> 3;
            acc >>= n & ~7u;
            n &= 7;
            i++;
        }
        if (r == nr) break;
        /* the run: its length code, extra bits and the distance code 0 (one bit, 0) */
        unsigned l = rs->len[r];
        int c = lt->code[l], s = 257 + c;
        acc |= ((uint64_t)code[s] | (uint64_t)(l - len_base[c]) << len[s]) << n;
        n += len[s] + len_extra[c] + 1u;
        store_le64(o, acc);
        o += n >> 3;
        acc >>= n & ~7u;
        n &= 7;
        i += l;
    }
    w->p = o;
    w->acc = acc;
    w->n = n;
    put(w, code[256], len[256]);
    flush(w);
}

static uint64_t stored_bits(size_t m)
{
    size_t blocks = m ? (m + STORED_MAX - 1) / STORED_MAX : 1;
    /* at most 7 bits of padding before each block's LEN/NLEN, counted as 8 */
    return (uint64_t)blocks * (3 + 8 + 32) + 8 * (uint64_t)m;
}

static void write_stored(bitw *w, const unsigned char *p, size_t m, int final)
{
    do {
        size_t k = m < STORED_MAX ? m : STORED_MAX;
        put(w, (unsigned)(final && k == m), 3); /* BFINAL, BTYPE = 00 */
        align(w);
        unsigned char h[4] = {(unsigned char)k, (unsigned char)(k >> 8), (unsigned char)~k,
                              (unsigned char)(~k >> 8)};
        memcpy(w->p, h, 4);
        memcpy(w->p + 4, p, k);
        w->p += 4 + k;
        p += k;
        m -= k;
    } while (m > 0);
}

struct cs_planes {
    uint32_t *pos;
    uint16_t *len;
    size_t cap; /* runs room */
};

cs_planes *cs_planes_create(void)
{
    return calloc(1, sizeof(cs_planes));
}

void cs_planes_destroy(cs_planes *z)
{
    if (!z) return;
    free(z->pos);
    free(z->len);
    free(z);
}

size_t cs_planes_bound(size_t n, size_t es)
{
    /* A plane of m bytes in b = ceil(m / 65535) stored blocks takes at most 8m + 43b bits
     * (stored_bits), and a dynamic block is written only when smaller: at most m + 6b bytes a
     * plane. Over the planes (the remainder one more), b sums to at most their count plus
     * n / 65535; then the zlib header, the last byte's padding, Adler-32 and the bit writer's
     * 8 bytes of slack. */
    size_t planes = (es ? es : 1) + 1;
    return n + (planes + n / STORED_MAX + 1) * 6 + 2 + 1 + 4 + 8;
}

size_t cs_planes_zlib(cs_planes *z, const void *in, size_t n, size_t es, void *out, size_t cap)
{
    if (es == 0 || cap < cs_planes_bound(n, es)) return 0;
    const unsigned char *src = in;
    size_t m = n / es, rest = n - m * es;
    size_t nplanes = es + (rest > 0);
    if (m == 0) nplanes = rest > 0, m = rest, rest = 0; /* fewer bytes than planes: one */
    size_t most = (m > rest ? m : rest) / 3 + 1;        /* runs in a plane, at most */
    if (most > z->cap) {
        uint32_t *pos = realloc(z->pos, most * sizeof *pos);
        if (pos) z->pos = pos;
        uint16_t *len = realloc(z->len, most * sizeof *len);
        if (len) z->len = len;
        if (!pos || !len) return 0;
        z->cap = most;
    }
    len_table lt;
    len_table_init(&lt);
    bitw w = {.p = out};
    put(&w, 0x78, 8); /* CMF: deflate, 32K window */
    put(&w, 0x01, 8); /* FLG: fastest; 0x7801 is a multiple of 31 */
    flush(&w);
    if (nplanes == 0) write_stored(&w, src, 0, 1); /* no bytes: one empty block */
    for (size_t k = 0; k < nplanes; k++) {
        const unsigned char *p = src + k * m;
        size_t len = k < es ? m : rest;
        int final = k + 1 == nplanes;
        uint32_t freq[N_LITLEN] = {0};
        runs rs = {z->pos, z->len};
        size_t nr = find_runs(p, len, &lt, &rs, freq);
        if (too_even(freq, len)) {
            write_stored(&w, p, len, final);
            continue;
        }
        dyn_block d;
        plan_dynamic(&d, freq, (uint32_t)nr);
        /* Huffman coding that saves under 1/16 of the plane is not worth its time */
        if (d.bits + stored_bits(len) / 16 < stored_bits(len))
            write_dynamic(&w, &d, p, len, &rs, nr, &lt, final);
        else
            write_stored(&w, p, len, final);
    }
    align(&w);
    uint32_t a = cs_adler32(src, n);
    unsigned char t[4] = {(unsigned char)(a >> 24), (unsigned char)(a >> 16),
                          (unsigned char)(a >> 8), (unsigned char)a};
    memcpy(w.p, t, 4);
    w.p += 4;
    return (size_t)(w.p - (unsigned char *)out);
}
