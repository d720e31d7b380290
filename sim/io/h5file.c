/* File-level helpers of sim/io (see h5file.h). */
#define _POSIX_C_SOURCE 200809L

#include "h5file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UB_MAGIC     "cssim-run 1\n"
#define UB_MAGIC_LEN 12

long cs_h5_superblock_find(FILE *fp, unsigned char sb[48])
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (long at = 0; at <= (1L << 24); at = at ? at * 2 : 512) {
        if (fseek(fp, at, SEEK_SET) != 0) return -1;
        size_t n = fread(sb, 1, 48, fp);
        if (n < 8) return -1;
        if (!memcmp(sb, sig, 8)) {
            if (n < 48) memset(sb + n, 0, 48 - n);
            return at;
        }
    }
    return -1;
}

size_t cs_h5_userblock_size(const char *cmd, const char *cwd)
{
    size_t need = UB_MAGIC_LEN + 4 + strlen(cwd) + 1 + 4 + strlen(cmd) + 1 + 1;
    size_t size = 512;
    while (size < need)
        size *= 2;
    return size;
}

int cs_h5_userblock_write(int fd, size_t size, const char *cmd, const char *cwd)
{
    char *buf = calloc(1, size);
    if (!buf) return -1;
    snprintf(buf, size, "%scwd\t%s\ncmd\t%s\n", UB_MAGIC, cwd, cmd);
    size_t done = 0;
    while (done < size) {
        ssize_t k = pwrite(fd, buf + done, size - done, (off_t)done);
        if (k <= 0) break;
        done += (size_t)k;
    }
    free(buf);
    return done == size ? 0 : -1;
}

/* The value of "key\t...\n" in the user block text, malloc'd. */
static char *ub_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (!strncmp(p, key, kl) && p[kl] == '\t') {
            const char *v = p + kl + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            char *out = malloc(n + 1);
            if (out) {
                memcpy(out, v, n);
                out[n] = 0;
            }
            return out;
        }
    }
    return NULL;
}

int cs_h5_userblock_read(const char *path, char **cmd, char **cwd)
{
    *cmd = *cwd = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    unsigned char sb[48];
    long at = cs_h5_superblock_find(fp, sb);
    char head[UB_MAGIC_LEN];
    size_t size = 0;
    if (fseek(fp, 0, SEEK_SET) == 0 && fread(head, 1, UB_MAGIC_LEN, fp) == UB_MAGIC_LEN &&
        !memcmp(head, UB_MAGIC, UB_MAGIC_LEN)) {
        /* before the superblock, or (a file whose HDF5 part was never written) the whole
         * user block as sized from its own text, at most 1 MiB */
        size = at > 0 ? (size_t)at : (size_t)1 << 20;
    }
    char *text = size ? calloc(1, size + 1) : NULL;
    int rc = -1;
    if (text && fseek(fp, 0, SEEK_SET) == 0) {
        size_t n = fread(text, 1, size, fp);
        text[n] = 0;
        *cmd = ub_field(text, "cmd");
        *cwd = ub_field(text, "cwd");
        rc = *cmd && *cwd ? 0 : -1;
        if (rc) {
            free(*cmd), free(*cwd);
            *cmd = *cwd = NULL;
        }
    }
    free(text);
    fclose(fp);
    return rc;
}

hid_t cs_h5_fapl_reader(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (H5Pset_file_locking(fapl, 0, 1) < 0 || H5Pset_metadata_read_attempts(fapl, 4) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

/* Bob Jenkins' lookup3 hash, byte by byte, as HDF5 checksums its metadata (H5checksum.c). */
#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
static uint32_t lookup3(const unsigned char *k, size_t length)
{
    uint32_t a, b, c;
    a = b = c = 0xdeadbeefu + (uint32_t)length;
    while (length > 12) {
        a += k[0] + ((uint32_t)k[1] << 8) + ((uint32_t)k[2] << 16) + ((uint32_t)k[3] << 24);
        b += k[4] + ((uint32_t)k[5] << 8) + ((uint32_t)k[6] << 16) + ((uint32_t)k[7] << 24);
        c += k[8] + ((uint32_t)k[9] << 8) + ((uint32_t)k[10] << 16) + ((uint32_t)k[11] << 24);
        a -= c, a ^= ROT(c, 4), c += b;
        b -= a, b ^= ROT(a, 6), a += c;
        c -= b, c ^= ROT(b, 8), b += a;
        a -= c, a ^= ROT(c, 16), c += b;
        b -= a, b ^= ROT(a, 19), a += c;
        c -= b, c ^= ROT(b, 4), b += a;
        length -= 12;
        k += 12;
    }
    switch (length) { /* the last block, zero-padded; every case falls through */
    case 12:
        c += (uint32_t)k[11] << 24; /* fall through */
    case 11:
        c += (uint32_t)k[10] << 16; /* fall through */
    case 10:
        c += (uint32_t)k[9] << 8; /* fall through */
    case 9:
        c += k[8]; /* fall through */
    case 8:
        b += (uint32_t)k[7] << 24; /* fall through */
    case 7:
        b += (uint32_t)k[6] << 16; /* fall through */
    case 6:
        b += (uint32_t)k[5] << 8; /* fall through */
    case 5:
        b += k[4]; /* fall through */
    case 4:
        a += (uint32_t)k[3] << 24; /* fall through */
    case 3:
        a += (uint32_t)k[2] << 16; /* fall through */
    case 2:
        a += (uint32_t)k[1] << 8; /* fall through */
    case 1:
        a += k[0];
        break;
    case 0:
        return c;
    }
    c ^= b, c -= ROT(b, 14);
    a ^= c, a -= ROT(c, 11);
    b ^= a, b -= ROT(a, 25);
    c ^= b, c -= ROT(b, 16);
    a ^= c, a -= ROT(c, 4);
    b ^= a, b -= ROT(a, 14);
    c ^= b, c -= ROT(b, 24);
    return c;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int cs_h5_superblock_fit(const char *path)
{
    FILE *fp = fopen(path, "r+b");
    if (!fp) return -1;
    unsigned char sb[48];
    long at = cs_h5_superblock_find(fp, sb);
    struct stat st;
    int rc = -1;
    /* superblock versions 2 and 3 with 8-byte addresses: the ones cssim writes */
    if (at < 0 || (sb[8] != 2 && sb[8] != 3) || sb[9] != 8 || fstat(fileno(fp), &st) != 0 ||
        lookup3(sb, 44) != ((uint32_t)sb[44] | (uint32_t)sb[45] << 8 | (uint32_t)sb[46] << 16 |
                            (uint32_t)sb[47] << 24)) {
        fclose(fp);
        return -1;
    }
    /* the stored end of allocation is an absolute offset (the user block included) */
    uint64_t eoa = le64(sb + 28), eof = (uint64_t)st.st_size;
    if (eoa == UINT64_MAX || eoa < (uint64_t)at + 48 || eoa > ((uint64_t)1 << 50)) {
        fclose(fp);
        return -1;
    }
    if (eoa > eof) {
        /* cut short (a file-size limit stopped a write): extend it with zeros to its EOA */
        rc = ftruncate(fileno(fp), (off_t)eoa) == 0 ? 1 : -1;
    } else if (eoa < eof) {
        /* EOA behind EOF: raise it, in one 48-byte write (a kill cannot tear it) */
        uint64_t v = eof;
        for (int i = 0; i < 8; i++)
            sb[28 + i] = (unsigned char)(v >> (8 * i));
        uint32_t sum = lookup3(sb, 44);
        for (int i = 0; i < 4; i++)
            sb[44 + i] = (unsigned char)(sum >> (8 * i));
        rc = pwrite(fileno(fp), sb, 48, (off_t)at) == 48 ? 1 : -1;
    } else {
        rc = 0;
    }
    fclose(fp);
    return rc;
}

int cs_h5_untime_extension(const char *path)
{
    FILE *fp = fopen(path, "r+b");
    if (!fp) return -1;
    unsigned char sb[48];
    long at = cs_h5_superblock_find(fp, sb);
    int rc = 0;
    uint64_t ext = at >= 0 && (sb[8] == 2 || sb[8] == 3) ? le64(sb + 20) : UINT64_MAX;
    unsigned char h[32];
    /* object header v2: "OHDR", version 2, flags; times if flags & 0x20; attribute phase
     * change values if flags & 0x10; the size of chunk 0 in 1 << (flags & 3) bytes; then
     * chunk 0 and its checksum (lookup3 over everything before it) */
    if (ext != UINT64_MAX && fseek(fp, at + (long)ext, SEEK_SET) == 0 &&
        fread(h, 1, sizeof h, fp) == sizeof h && !memcmp(h, "OHDR", 4) && h[4] == 2 &&
        (h[5] & 0x20)) {
        size_t off = 6 + 16 + ((h[5] & 0x10) ? 4 : 0), w = (size_t)1 << (h[5] & 3);
        uint64_t size0 = 0;
        for (size_t i = 0; i < w; i++)
            size0 |= (uint64_t)h[off + i] << (8 * i);
        size_t n = off + w + (size_t)size0;
        unsigned char *buf = n < (1u << 20) ? malloc(n + 4) : NULL;
        rc = -1;
        if (buf && fseek(fp, at + (long)ext, SEEK_SET) == 0 && fread(buf, 1, n + 4, fp) == n + 4 &&
            lookup3(buf, n) == (uint32_t)(buf[n] | buf[n + 1] << 8 | buf[n + 2] << 16 |
                                          (uint32_t)buf[n + 3] << 24)) {
            memset(buf + 6, 0, 16);
            uint32_t sum = lookup3(buf, n);
            for (int i = 0; i < 4; i++)
                buf[n + (size_t)i] = (unsigned char)(sum >> (8 * i));
            rc = fseek(fp, at + (long)ext, SEEK_SET) == 0 && fwrite(buf, 1, n + 4, fp) == n + 4
                     ? 1
                     : -1;
        }
        free(buf);
    }
    if (fclose(fp) != 0) rc = -1;
    return rc;
}
