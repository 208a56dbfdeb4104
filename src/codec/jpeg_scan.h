/*
 * Internal: JPEG a strip of rows at a time, through libjpeg's own API (the
 * scanline interface of libjpeg-turbo, Debian's libjpeg62-turbo), with the
 * compressed bytes pulled and pushed through the callbacks of byte_stream.h.
 *
 * The same bytes as jpeg_turbo.c: a file decodes to exactly the samples
 * jpeg_turbo_decode gives, with the same verdict, and rows encode to exactly
 * the file jpeg_turbo_encode writes (TurboJPEG's settings, its TJ_OPTIMIZE,
 * TJ_ARITHMETIC, TJ_RESTART and TJ_PROGRESSIVE variables included). A reader
 * holds libjpeg's state and a 64 KiB input buffer, never the file or the image
 * (but for a progressive or multi-scan file, whose coefficients libjpeg keeps
 * whole); a writer holds libjpeg's state and a 64 KiB output buffer. Neither
 * opens files or prints: the reader may run in the sandboxed decoder.
 *
 * Both open functions return CONVTOOL_EUNSUPPORTED when the library is built
 * without libjpeg (CONVTOOL_WITH_JPEGLIB), or when JPEGs do not go through
 * libjpeg-turbo now (jpeg_turbo_active(): stb does them, whole): the caller then
 * takes the whole-image path, which gives today's bytes either way.
 *
 * After an error a reader or writer stays failed (every later call returns
 * the same status) and is only closed. A writer's pushed bytes are then a
 * partial file: the caller discards them.
 */
#ifndef CONVTOOL_JPEG_SCAN_H
#define CONVTOOL_JPEG_SCAN_H

#include "codec/byte_stream.h"
#include "convtool/convtool.h"

/* The size of a reader's input buffer and a writer's output buffer. */
#define JPEG_SCAN_BUFFER ((size_t)64 << 10)

/* Whether the open functions can succeed now (built with libjpeg, and jpeg_turbo_active()). */
int jpeg_scan_available(void);

struct jpeg_scan_reader;

/*
 * Reads the header through pull (and, for a progressive or multi-scan file,
 * all of its scans, which libjpeg buffers as coefficients) and sets the shape:
 * w, h, and channels 1 (grayscale file) or 3 (RGB, from YCbCr or RGB).
 * *out is NULL unless CONVTOOL_OK; the caller closes it with jpeg_scan_close.
 *
 * CONVTOOL_EUNSUPPORTED where jpeg_turbo_decode says so: CMYK and YCCK files
 * (stb converts them), headers libjpeg cannot read, or reads with a warning,
 * or whose sampling TurboJPEG does not name; and when not available (above).
 * CONVTOOL_ECORRUPT for damaged data, warnings included (a truncated file,
 * extraneous bytes, a bad Huffman code); CONVTOOL_ESCANS for a progressive file
 * of more than CONVTOOL_JPEG_MAX_SCANS scans (ECORRUPT for a sequential one), as
 * the image probe refuses it; CONVTOOL_ENOMEM; CONVTOOL_EIO when pull fails.
 */
convtool_status jpeg_scan_open(byte_pull_fn pull, void *ctx, struct jpeg_scan_reader **out,
                               int *w, int *h, int *channels);

/*
 * The next `rows` rows (1 up to those left) into dst, interleaved 8-bit
 * samples, rows w·channels bytes apart. CONVTOOL_EINVAL for more rows than
 * are left; else CONVTOOL_OK or the statuses of jpeg_scan_open.
 */
convtool_status jpeg_scan_read(struct jpeg_scan_reader *r, unsigned char *dst, int rows);

/*
 * After the last row: reads on to the end marker (jpeg_finish_decompress), as
 * jpeg_turbo_decode does, so damage there (extraneous bytes, a missing end)
 * is CONVTOOL_ECORRUPT as it is today. CONVTOOL_EINVAL if rows are left.
 */
convtool_status jpeg_scan_finish(struct jpeg_scan_reader *r);

/* Frees r and all it holds (NULL is fine), at any point. */
void jpeg_scan_close(struct jpeg_scan_reader *r);

struct jpeg_scan_writer;

/*
 * A writer of a w×h JPEG of comp interleaved samples a pixel (1 gray, stored
 * as one component; 3 RGB; 2 and 4 carry an alpha sample, which is left out),
 * at quality 0..100, with chroma sampling CONVTOOL_SAMPLING_444, 422 or 420
 * (ignored for gray), as jpeg_turbo_encode writes it. Writes the headers
 * through push. *out is NULL unless CONVTOOL_OK; the caller closes it with
 * jpeg_scan_writer_close. CONVTOOL_EINVAL for a bad argument (as
 * jpeg_turbo_encode), CONVTOOL_ENOMEM, CONVTOOL_EIO when push fails,
 * CONVTOOL_EUNSUPPORTED when not available (above).
 */
convtool_status jpeg_scan_writer_open(byte_push_fn push, void *ctx, int w, int h, int comp,
                                      int quality, convtool_jpeg_sampling sampling,
                                      struct jpeg_scan_writer **out);

/*
 * The next n rows (1 up to those left) of w·comp samples each, rows w·comp
 * bytes apart. CONVTOOL_EINVAL for more rows than are left; CONVTOOL_EIO when
 * push fails; CONVTOOL_ENOMEM.
 */
convtool_status jpeg_scan_write(struct jpeg_scan_writer *wr, const unsigned char *rows, int n);

/* After the last row: the rest of the file and its end marker, pushed. CONVTOOL_EINVAL if rows are left. */
convtool_status jpeg_scan_writer_finish(struct jpeg_scan_writer *wr);

/* Frees wr and all it holds (NULL is fine), at any point. */
void jpeg_scan_writer_close(struct jpeg_scan_writer *wr);

#endif /* CONVTOOL_JPEG_SCAN_H */
