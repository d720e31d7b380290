/* Rescuing torn chunks (sim/io/salvage.c): a chunk rewritten in place and stopped mid-write
 * (new bytes up to some offset, old bytes and old checksum after it) gives back the rows the
 * old version held, and nothing that cannot be proved: a flipped byte, rows the old version
 * did not hold, or a compressed chunk. */
#include "cs_test.h"
#include "io/salvage.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { COLS = 3, CHUNK = 64, OLD = 10, NEW = 40 };
static char path[64];

static double val(hsize_t i, hsize_t j)
{
    return 1000.0 * (double)i + (double)j + 0.25;
}

/* Writes rows [from, to) of the dataset. */
static void put_rows(hid_t d, hsize_t from, hsize_t to)
{
    assert_true(H5Dset_extent(d, (hsize_t[2]){to, COLS}) >= 0);
    double *b = malloc((size_t)(to - from) * COLS * sizeof *b);
    for (hsize_t i = from; i < to; i++)
        for (hsize_t j = 0; j < COLS; j++)
            b[(i - from) * COLS + j] = val(i, j);
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, (hsize_t[2]){to - from, COLS}, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, (hsize_t[2]){from, 0}, NULL,
                        (hsize_t[2]){to - from, COLS}, NULL);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, b) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    free(b);
}

static void file_bytes(haddr_t at, size_t n, unsigned char *out, bool write)
{
    FILE *fp = fopen(path, write ? "r+b" : "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long)at, SEEK_SET), 0);
    if (write)
        assert_int_equal(fwrite(out, 1, n, fp), n);
    else
        assert_int_equal(fread(out, 1, n, fp), n);
    fclose(fp);
}

/* Writes OLD rows and flushes (the old version of chunk 0), then NEW rows and flushes, and
 * leaves chunk 0 torn: the new version's first `cut` bytes, the old version after them. The
 * chunk's address and size are returned. */
static void torn_file(bool compress, size_t cut, haddr_t *addr, hsize_t *size)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(2, (hsize_t[2]){0, COLS}, (hsize_t[2]){H5S_UNLIMITED, COLS});
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, (hsize_t[2]){CHUNK, COLS});
    if (compress) H5Pset_deflate(dcpl, 1);
    H5Pset_fletcher32(dcpl);
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(d >= 0);
    put_rows(d, 0, OLD);
    assert_true(H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0);
    hsize_t off[2] = {0, 0};
    unsigned mask;
    haddr_t a0;
    hsize_t s0;
    assert_true(H5Dget_chunk_info_by_coord(d, off, &mask, &a0, &s0) >= 0);
    unsigned char *old = malloc(s0);
    file_bytes(a0, s0, old, false);
    put_rows(d, OLD, NEW);
    assert_true(H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0);
    assert_true(H5Dget_chunk_info_by_coord(d, off, &mask, addr, size) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    if (*addr == a0 && *size == s0 && cut < s0) { /* rewritten in place: tear it */
        unsigned char *now = malloc(s0);
        file_bytes(a0, s0, now, false);
        memcpy(old, now, cut);
        file_bytes(a0, s0, old, true);
        free(now);
    }
    free(old);
}

/* Reads rows [0, n) through cs_h5_salvage_read: its status, and the data checked when 0. */
static herr_t salvage(hsize_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "x", H5P_DEFAULT), t = H5Dget_type(d);
    hsize_t dims[3] = {NEW, COLS, 1};
    double *b = calloc((size_t)n * COLS, sizeof *b);
    herr_t r = cs_h5_salvage_read(d, t, 2, dims, 0, n, b);
    for (hsize_t i = 0; r >= 0 && i < n; i++)
        for (hsize_t j = 0; j < COLS; j++)
            assert_true(b[i * COLS + j] == val(i, j)); /* the file type is little-endian */
    free(b);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
    return r;
}

/* HDF5's own check of a chunk: the stored checksum equals cs_h5_fletcher32 of its bytes. */
static void test_fletcher32_matches_hdf5(void **state)
{
    (void)state;
    haddr_t a;
    hsize_t s;
    torn_file(false, SIZE_MAX, &a, &s); /* not torn: the new version whole */
    assert_int_equal(s, CHUNK * COLS * 8 + 4);
    unsigned char *c = malloc(s);
    file_bytes(a, s, c, false);
    uint32_t sum = cs_h5_fletcher32(c, s - 4);
    uint32_t stored = (uint32_t)c[s - 4] | (uint32_t)c[s - 3] << 8 | (uint32_t)c[s - 2] << 16 |
                      (uint32_t)c[s - 1] << 24;
    assert_int_equal(sum, stored);
    assert_int_equal(cs_h5_fletcher32("ab", 2), (0x6162u << 16) | 0x6162u);
    free(c);
    assert_int_equal(salvage(NEW), 0);
}

/* HDF5's loop (H5_checksum_fletcher32), one 16-bit word at a time. */
static uint32_t fletcher32_ref(const uint8_t *data, size_t len_)
{
    size_t len = len_ / 2;
    uint32_t sum1 = 0, sum2 = 0;
    while (len) {
        size_t tlen = len > 360 ? 360 : len;
        len -= tlen;
        do {
            sum1 += (uint32_t)data[0] << 8 | data[1];
            data += 2;
            sum2 += sum1;
        } while (--tlen);
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if (len_ % 2) {
        sum1 += (uint32_t)data[0] << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    return sum2 << 16 | sum1;
}

/* cs_h5_fletcher32 (four words at a time) equals HDF5's loop: every length up to 3000 bytes
 * (blocks of 360 words and their remainders, odd lengths) of bytes all 0xff (the largest sums),
 * all 0, and random, and random buffers up to 64 KiB. */
static void test_fletcher32_equals_word_loop(void **state)
{
    (void)state;
    size_t cap = 1 << 16;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    unsigned seed = 1;
    for (int mode = 0; mode < 3; mode++)
        for (size_t n = 0; n <= 3000; n++) {
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                b[i] = mode == 0 ? 0xff : mode == 1 ? 0 : (uint8_t)(seed >> 16);
            }
            assert_int_equal(cs_h5_fletcher32(b, n), fletcher32_ref(b, n));
        }
    for (int k = 0; k < 200; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % cap;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            b[i] = k % 4 == 0 ? (uint8_t)(0xf0 | (seed >> 28)) : (uint8_t)(seed >> 16);
        }
        assert_int_equal(cs_h5_fletcher32(b, n), fletcher32_ref(b, n));
    }
    free(b);
}

static void test_torn_chunk_gives_back_its_old_rows(void **state)
{
    (void)state;
    for (size_t cut = OLD * COLS * 8 + 5; cut < NEW * COLS * 8; cut += 97) {
        haddr_t a;
        hsize_t s;
        torn_file(false, cut, &a, &s);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t d = H5Dopen2(f, "x", H5P_DEFAULT);
        double b[NEW * COLS];
        herr_t plain;
        plain = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
        assert_true(plain < 0); /* HDF5 itself refuses the whole chunk */
        H5Dclose(d);
        H5Fclose(f);
        assert_int_equal(salvage(OLD), 0); /* the old version's rows: proved */
        assert_int_equal(salvage(5), 0);   /* or fewer */
        assert_true(salvage(OLD + 1) < 0); /* one more: not held by the old version */
    }
}

static void test_damage_is_not_rescued(void **state)
{
    (void)state;
    haddr_t a;
    hsize_t s;
    torn_file(false, 20 * COLS * 8, &a, &s);
    unsigned char byte;
    file_bytes(a + 3 * COLS * 8 + 2, 1, &byte, false); /* row 3: held by both versions */
    byte ^= 0x10;
    file_bytes(a + 3 * COLS * 8 + 2, 1, &byte, true);
    assert_true(salvage(OLD) < 0);
    /* A compressed chunk is moved when its size changes and cannot be proved when torn. */
    torn_file(true, 40, &a, &s);
    herr_t r;
    r = salvage(OLD);
    (void)r; /* moved (whole, 0) or torn in place (-1): never wrong data (checked inside) */
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/cssim_salvage_%d.h5", (int)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the failures provoked here are expected */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fletcher32_matches_hdf5),
        cmocka_unit_test(test_fletcher32_equals_word_loop),
        cmocka_unit_test(test_torn_chunk_gives_back_its_old_rows),
        cmocka_unit_test(test_damage_is_not_rescued),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
