/* Private to sim/io: file-level helpers shared by the writer and the readers (cssim info,
 * run --resume): locating the superblock, the user block that records how a run was started,
 * and the file-access properties of a bounded, lock-free read. */
#ifndef CSSIM_IO_H5FILE_H
#define CSSIM_IO_H5FILE_H

#include <hdf5.h>
#include <stdio.h>

/* Offset of the HDF5 superblock in fp (0 or a power of two from 512: after a user block),
 * with its first 48 bytes copied to sb; -1 when fp holds no HDF5 signature. */
long cs_h5_superblock_find(FILE *fp, unsigned char sb[48]);

/* Makes the superblock's end of allocation (EOA) agree with the file's size (EOF), which a
 * killed or failed writer can leave behind it (HDF5 would then allocate over committed data)
 * or beyond it (a file-size limit: HDF5 then refuses to open the file; the file is extended
 * with zeros). The superblock (version 2 or 3) is checked against its checksum and rewritten
 * with a new one in a single write. 0 nothing to do, 1 fixed, -1 not a superblock we know. */
int cs_h5_superblock_fit(const char *path);

/* Sets the four timestamps of the superblock extension's object header to zero (HDF5 stamps
 * it with the wall clock and offers no property to stop it), with its checksum rewritten, so
 * that identical runs give identical bytes. Call on a closed file. 0 nothing to do, 1 done,
 * -1 failed (the file is left as it was). */
int cs_h5_untime_extension(const char *path);

/* The user block cssim writes at the start of every output: "cssim-run 1\n", then
 * "cwd\t<working directory>\n" and "cmd\t<command line>\n", NUL-padded. */
size_t cs_h5_userblock_size(const char *cmd, const char *cwd);
int cs_h5_userblock_write(int fd, size_t size, const char *cmd, const char *cwd);
/* Reads the recorded command line and working directory (malloc'd; the caller frees them).
 * 0 on success, -1 when the file has no cssim user block. */
int cs_h5_userblock_read(const char *path, char **cmd, char **cwd);

/* A file-access property list for reading a file that a writer may hold or may have left
 * mid-write: no file locking, and SWMR metadata reads retried a few times rather than the
 * library's 100 with exponential back-off (a damaged file fails in well under a second). */
hid_t cs_h5_fapl_reader(void);

#endif
