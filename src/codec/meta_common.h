/*
 * Internal: helpers the metadata readers and writers of codec/ share
 * (meta_common.c): owned copies, text records under the shared limits.
 */
#ifndef CONVTOOL_META_COMMON_H
#define CONVTOOL_META_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* A malloc'ed copy of n bytes (n may be 0), or NULL. */
unsigned char *meta_dup(const void *p, size_t n);

/*
 * Adds a text record (keyword and text copied; language/translated may be
 * NULL). Over CONVTOOL_META_MAX_TEXTS records or CONVTOOL_META_MAX_TEXT bytes
 * in all, the text is left out and CONVTOOL_META_TEXT set in md->dropped.
 * Returns ENOMEM only.
 */
convtool_status meta_add_text(convtool_metadata *md, convtool_text_kind kind, const char *keyword,
                              size_t keyword_len, const unsigned char *text, size_t text_len,
                              const char *language, const char *translated);

/*
 * Whether p is an EXIF block convtool reads: a TIFF header ("II*\0" or
 * "MM\0*") and at most CONVTOOL_META_MAX_EXIF bytes. The first such block of
 * a file counts, for its orientation (the probe) and to be carried alike.
 */
int meta_is_exif(const unsigned char *p, size_t len);

/* The bytes of text md may still take (CONVTOOL_META_MAX_TEXT minus what it holds). */
size_t meta_text_room(const convtool_metadata *md);

/* Stores a copy of the first EXIF block and its orientation (others: dropped). ENOMEM only. */
convtool_status meta_set_exif(convtool_metadata *md, const unsigned char *tiff, size_t len);

/*
 * The EXIF block as it goes out with a w×h picture: a malloc'ed copy of
 * md->exif with md's orientation and the new pixel dimensions written in; NULL
 * if out of memory.
 */
unsigned char *meta_exif_for_output(const convtool_metadata *md, uint32_t w, uint32_t h);

/* Stores a copy of an XMP packet unless over its limit; ENOMEM only. */
convtool_status meta_set_xmp(convtool_metadata *md, const unsigned char *xmp, size_t len);

/* Whether bytes are valid UTF-8 (no overlongs, no surrogates). */
int meta_is_utf8(const unsigned char *p, size_t n);

/* Big-endian reads and writes. */
uint32_t meta_be32(const unsigned char *p);
unsigned meta_be16(const unsigned char *p);
void meta_put_be32(unsigned char *p, uint32_t v);

#endif /* CONVTOOL_META_COMMON_H */
