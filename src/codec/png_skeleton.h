/*
 * Internal: a PNG's skeleton, for probing a file without reading its image
 * data into memory. The parent process probes (convtool_image_probe,
 * image_check_complete, convtool_metadata_read) the skeleton in place of the
 * file and gets the same answers: the header, every metadata chunk, before
 * the image data or after it, the APNG control chunks.
 */
#ifndef CONVTOOL_PNG_SKELETON_H
#define CONVTOOL_PNG_SKELETON_H

#include <stdint.h>

#include "convtool/convtool.h"

/* The most bytes of chunks a skeleton copies (the metadata reader keeps far less). */
#define PNG_SKELETON_MAX_KEPT ((uint64_t)64 << 20)

/*
 * Walks the chunks of the PNG file open at fd (file_len bytes, from fstat)
 * with pread, chunk header by chunk header, seeking over the image data, and
 * appends to out: the signature; every chunk but IDAT and fdAT whole, its CRC
 * as in the file; in place of each run of consecutive IDAT chunks one
 * zero-length IDAT with a valid CRC. APNG's fdAT chunks (frame image data)
 * are left out. It stops after IEND; nothing after IEND is read.
 *
 * CONVTOOL_ECORRUPT: not a PNG signature, a chunk longer than 2^31 - 1 bytes
 * or running past the end of the file, or no IEND (the file is cut: the
 * whole-file path refuses it too, in image_check_complete).
 * CONVTOOL_ELIMIT: the chunks to copy exceed PNG_SKELETON_MAX_KEPT.
 * CONVTOOL_EIO: pread failed (errno kept). CONVTOOL_ENOMEM.
 * On failure out->len is restored.
 *
 * Probing the skeleton gives what probing the file gives, except that a
 * decode memory estimate needs the file's length, not the skeleton's.
 */
convtool_status png_skeleton_read(int fd, uint64_t file_len, convtool_buffer *out);

#endif /* CONVTOOL_PNG_SKELETON_H */
