/*
 * Writing PNG's ancillary chunks (see png_chunks.h), in the order the PNG
 * specification asks for before PLTE and IDAT: colour space first, then
 * density, EXIF, XMP and the texts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec/meta_common.h"
#include "codec/png_chunks.h"

#define ICC_DEFAULT_NAME "ICC Profile"
#define METRES_PER_INCH 0.0254

/* Appends one chunk whose body is the concatenation of up to three pieces. */
static convtool_status put_chunk(convtool_buffer *out, const char *type, const void *a,
                                 size_t a_len, const void *b, size_t b_len, const void *c,
                                 size_t c_len)
{
    size_t n = a_len + b_len + c_len;
    if (n > 0x7fffffffu)
        return CONVTOOL_ELIMIT;
    unsigned char head[8], tail[4];
    meta_put_be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    const void *piece[3] = {a, b, c};
    size_t piece_len[3] = {a_len, b_len, c_len};
    uLong crc = crc32(crc32(0, Z_NULL, 0), head + 4, 4);
    convtool_buffer_append(out, head, 8);
    for (int i = 0; i < 3; i++) {
        if (!piece_len[i])
            continue; /* crc32 of a NULL buffer would restart the CRC */
        crc = crc32(crc, piece[i], (uInt)piece_len[i]);
        convtool_buffer_append(out, piece[i], piece_len[i]);
    }
    meta_put_be32(tail, (uint32_t)crc);
    return convtool_buffer_append(out, tail, 4);
}

/* A zlib stream of data (level 9: metadata is small), malloc'ed. */
static convtool_status deflate_all(const unsigned char *data, size_t len, unsigned char **z,
                                   size_t *z_len)
{
    uLongf room = compressBound((uLong)len);
    *z = malloc(room);
    if (!*z)
        return CONVTOOL_ENOMEM;
    if (compress2(*z, &room, data, (uLong)len, 9) != Z_OK) {
        free(*z);
        *z = NULL;
        return CONVTOOL_ENOMEM;
    }
    *z_len = room;
    return CONVTOOL_OK;
}

static convtool_status put_iccp(const convtool_metadata *md, convtool_buffer *out)
{
    const char *name = md->icc_name[0] ? md->icc_name : ICC_DEFAULT_NAME;
    unsigned char *z;
    size_t z_len;
    convtool_status st = deflate_all(md->icc, md->icc_len, &z, &z_len);
    if (st == CONVTOOL_OK)
        st = put_chunk(out, "iCCP", name, strlen(name) + 1, "\0", 1, z, z_len);
    free(z);
    return st;
}

/* Per metre, as pHYs stores it: from dots per inch or per centimetre. */
static uint32_t per_metre(convtool_density_unit unit, uint32_t v)
{
    double m = unit == CONVTOOL_DENSITY_PER_INCH ? v / METRES_PER_INCH
               : unit == CONVTOOL_DENSITY_PER_CM ? v * 100.0
                                                 : v;
    return m >= 0x7fffffff ? 0x7fffffff : (uint32_t)lround(m);
}

static convtool_status put_phys(const convtool_metadata *md, convtool_buffer *out)
{
    unsigned char d[9];
    int aspect = md->density_unit == CONVTOOL_DENSITY_ASPECT;
    meta_put_be32(d, aspect ? md->density_x : per_metre(md->density_unit, md->density_x));
    meta_put_be32(d + 4, aspect ? md->density_y : per_metre(md->density_unit, md->density_y));
    d[8] = aspect ? 0 : 1;
    return put_chunk(out, "pHYs", d, 9, NULL, 0, NULL, 0);
}

static convtool_status put_colour(const convtool_metadata *md, convtool_buffer *out)
{
    convtool_status st = CONVTOOL_OK;
    if (md->icc)
        st = put_iccp(md, out);
    else if (md->has_srgb)
        st = put_chunk(out, "sRGB", &md->srgb_intent, 1, NULL, 0, NULL, 0);
    if (st == CONVTOOL_OK && md->has_gama) {
        unsigned char g[4];
        meta_put_be32(g, md->gama);
        st = put_chunk(out, "gAMA", g, 4, NULL, 0, NULL, 0);
    }
    if (st == CONVTOOL_OK && md->has_chrm)
        st = put_chunk(out, "cHRM", md->chrm, 32, NULL, 0, NULL, 0);
    return st;
}

static convtool_status put_exif(const convtool_metadata *md, uint32_t w, uint32_t h,
                                convtool_buffer *out)
{
    unsigned char *copy = meta_exif_for_output(md, w, h);
    if (!copy)
        return CONVTOOL_ENOMEM;
    convtool_status st = put_chunk(out, "eXIf", copy, md->exif_len, NULL, 0, NULL, 0);
    free(copy);
    return st;
}

/* iTXt: keyword\0, uncompressed, method 0, language\0, translated keyword\0, text. */
static convtool_status put_itxt(const char *keyword, const char *lang, const char *translated,
                                const unsigned char *text, size_t len, convtool_buffer *out)
{
    convtool_buffer head = {0};
    convtool_buffer_append(&head, keyword, strlen(keyword) + 1);
    convtool_buffer_append(&head, "\0\0", 2);
    convtool_buffer_append(&head, lang ? lang : "", strlen(lang ? lang : "") + 1);
    convtool_status st =
        convtool_buffer_append(&head, translated ? translated : "",
                               strlen(translated ? translated : "") + 1);
    if (st == CONVTOOL_OK && head.failed)
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK)
        st = put_chunk(out, "iTXt", head.data, head.len, text, len, NULL, 0);
    convtool_buffer_free(&head);
    return st;
}

static int plain_ascii(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0 || p[i] >= 0x80)
            return 0;
    return 1;
}

static convtool_status put_text(const convtool_meta_text *t, convtool_buffer *out)
{
    if (t->kind == CONVTOOL_TEXT_INTERNATIONAL ||
        (t->kind == CONVTOOL_TEXT_COMMENT && !plain_ascii(t->text, t->text_len) &&
         meta_is_utf8(t->text, t->text_len)))
        return put_itxt(t->keyword, t->language, t->translated, t->text, t->text_len, out);
    if (memchr(t->text, 0, t->text_len))
        return CONVTOOL_OK; /* a comment with NUL bytes: PNG text cannot hold it */
    if (t->kind != CONVTOOL_TEXT_COMPRESSED)
        return put_chunk(out, "tEXt", t->keyword, strlen(t->keyword) + 1, t->text, t->text_len,
                         NULL, 0);
    unsigned char *z;
    size_t z_len;
    convtool_status st = deflate_all(t->text, t->text_len, &z, &z_len);
    if (st == CONVTOOL_OK)
        st = put_chunk(out, "zTXt", t->keyword, strlen(t->keyword) + 1, "\0", 1, z, z_len);
    free(z);
    return st;
}

convtool_status png_chunks_write(const convtool_metadata *md, uint32_t w, uint32_t h,
                                 convtool_buffer *out)
{
    convtool_status st = put_colour(md, out);
    if (st == CONVTOOL_OK && md->density_unit != CONVTOOL_DENSITY_NONE)
        st = put_phys(md, out);
    if (st == CONVTOOL_OK && md->exif)
        st = put_exif(md, w, h, out);
    if (st == CONVTOOL_OK && md->xmp)
        st = put_itxt(PNG_XMP_KEYWORD, NULL, NULL, md->xmp, md->xmp_len, out);
    for (size_t i = 0; i < md->text_count && st == CONVTOOL_OK; i++)
        st = put_text(&md->texts[i], out);
    return st == CONVTOOL_OK && out->failed ? CONVTOOL_ENOMEM : st;
}
