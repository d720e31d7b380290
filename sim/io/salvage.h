/* Private to sim/io: reading back the committed rows of a chunk that a killed writer tore.
 *
 * HDF5 rewrites a chunk in place whenever its filtered size is unchanged: always for a chunk
 * that is only checksummed (Fletcher-32, no compression). The writer rewrites the last,
 * partly filled chunk of a dataset at every flush, and a SIGKILL can stop that pwrite between
 * two pages (Linux checks for a fatal signal after each page it copies). The chunk is then
 * new bytes up to the page the kill stopped at and old bytes after it, including the old
 * checksum at its end: its checksum fails, yet the rows both versions hold, the committed
 * ones among them, are intact. */
#ifndef CSSIM_IO_SALVAGE_H
#define CSSIM_IO_SALVAGE_H

#include <hdf5.h>
#include <stdint.h>

/* Reads rows [at, at + n) along dimension 0 (all of dimensions 1 and 2) of dataset d, in its
 * file type t (rank 1 to 3; dims the dataset's extent), into buf, as H5Dread would. A chunk
 * that does not read back is rescued only if it is proven to be a torn rewrite: a chunk
 * filtered only by Fletcher-32, whose stored checksum is that of its own first R rows
 * followed by fill values, for some R covering every row asked of it. Then the rows asked
 * are exactly those of a complete, checksummed earlier version of the chunk. A chunk with
 * any other damage (a flipped byte, a torn compressed chunk) is not rescued: -1. */
herr_t cs_h5_salvage_read(hid_t d, hid_t t, int rank, const hsize_t dims[3], hsize_t at, hsize_t n,
                          void *buf);

/* HDF5's Fletcher-32 checksum of len bytes (H5_checksum_fletcher32, which HDF5 does not
 * export), as its filter computes it over a chunk's unfiltered bytes. */
uint32_t cs_h5_fletcher32(const void *data, size_t len);

#endif
