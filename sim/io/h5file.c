/* File-level helpers of sim/io (see h5file.h). */
#define _POSIX_C_SOURCE 200809L

#include "h5file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UB_MAGIC     "cssim-run 1\n"
#define UB_MAGIC_LEN 12

long cs_h5_superblock(FILE *fp, unsigned char sb[48])
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
    long at = cs_h5_superblock(fp, sb);
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
