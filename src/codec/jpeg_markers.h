/*
 * Internal: JPEG's metadata segments, read into a convtool_metadata
 * (jpeg_markers.c) and written back (jpeg_markers_write.c): APP0 JFIF
 * density, APP1 Exif, APP1 XMP (the standard packet; extended XMP is not
 * carried), APP2 ICC_PROFILE (possibly split over several markers,
 * reassembled in sequence order), APP2 MPF (a multi-picture file) and COM.
 * The walk reads the segments before the first scan (SOS). Fuzzed by
 * fuzz/fuzz_metadata.c.
 */
#ifndef CONVTOOL_JPEG_MARKERS_H
#define CONVTOOL_JPEG_MARKERS_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* A marker segment's payload is at most 65533 bytes (its length field counts itself). */
#define JPEG_SEGMENT_MAX 65533
/* "ICC_PROFILE\0", sequence number, count: ICC data per APP2 marker at most 65519 bytes. */
#define JPEG_ICC_CHUNK_MAX (JPEG_SEGMENT_MAX - 14)

/* Adds the JPEG's metadata to md (the caller zeroed it). ENOMEM only. */
convtool_status jpeg_markers_read(const unsigned char *jpeg, size_t len, convtool_metadata *md);

/* The first APP1 Exif's TIFF block inside jpeg, or NULL. No allocation. */
const unsigned char *jpeg_markers_find_exif(const unsigned char *jpeg, size_t len,
                                            size_t *exif_len);

/*
 * Where markers go in an encoded JPEG: after SOI and an APP0 JFIF segment if
 * the encoder wrote one; 0 when `jpeg` does not start with SOI. *jfif_at is
 * the offset of that APP0's "JFIF\0" identifier, or 0.
 */
size_t jpeg_markers_insert_at(const unsigned char *jpeg, size_t len, size_t *jfif_at);

/* Sets the density fields of the JFIF APP0 whose identifier is at jfif (see above). */
void jpeg_markers_set_density(unsigned char *jfif, size_t room, const convtool_metadata *md);

/*
 * Appends md's segments to out for insertion at jpeg_markers_insert_at: an
 * APP0 JFIF first when need_jfif (the encoder wrote none and md has a density),
 * APP1 Exif (orientation and pixel dimensions set as md and w×h say), APP1
 * XMP, APP2 ICC_PROFILE split in chunks of at most JPEG_ICC_CHUNK_MAX bytes,
 * and a COM for each comment (PNG text with the keyword "Comment"). Sets
 * *left_out to the parts that did not fit (other PNG texts, a text over
 * 65533 bytes).
 */
convtool_status jpeg_markers_write(const convtool_metadata *md, uint32_t w, uint32_t h,
                                   int need_jfif, convtool_buffer *out, unsigned *left_out);

/* The parts of md a JPEG cannot hold: PNG colour chunks, texts other than comments or
 * over 65533 bytes, a density over 16 bits. */
unsigned jpeg_markers_cannot_hold(const convtool_metadata *md);

/* Whether a PNG text record goes into a JPEG COM (keyword "Comment", any case). */
int jpeg_markers_is_comment(const convtool_meta_text *t);

#endif /* CONVTOOL_JPEG_MARKERS_H */
