/*
 * Reading PNG's ancillary chunks (see png_chunks.h). The walk stops at IEND
 * or at the first chunk that does not fit the file; IDAT is skipped without
 * its CRC being computed (the decoder checks it).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec/meta_common.h"
#include "codec/png_chunks.h"

#define PNG_SIG_LEN 8
#define PNG_MAX_CHUNK 0x7fffffffu

/* One chunk: its type and body. */
struct chunk {
    const unsigned char *type, *data;
    size_t len;
    int crc_ok;
};

/* The chunk at *at (moving *at past it), or 0 at the end of what can be read. */
static int next_chunk(const unsigned char *b, size_t len, size_t *at, struct chunk *c)
{
    if (len - *at < 12)
        return 0;
    uint32_t n = meta_be32(b + *at);
    if (n > PNG_MAX_CHUNK || n > len - *at - 12)
        return 0;
    c->type = b + *at + 4;
    c->data = b + *at + 8;
    c->len = n;
    c->crc_ok = memcmp(c->type, "IDAT", 4) == 0 ||
                crc32(crc32(0, Z_NULL, 0), c->type, n + 4) == meta_be32(c->data + n);
    *at += 12 + (size_t)n;
    return 1;
}

static int is_png(const unsigned char *b, size_t len)
{
    return len >= PNG_SIG_LEN && memcmp(b, "\x89PNG\r\n\x1a\n", PNG_SIG_LEN) == 0;
}

/*
 * Inflates a zlib stream of at most `cap` output bytes into a malloc'ed
 * *out. 0 on success; 1 damaged or over cap; -1 out of memory.
 */
static int inflate_capped(const unsigned char *in, size_t in_len, size_t cap, unsigned char **out,
                          size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    size_t room = in_len * 4 + 1024 < cap + 1 ? in_len * 4 + 1024 : cap + 1;
    unsigned char *buf = malloc(room);
    if (!buf || inflateInit(&z) != Z_OK) {
        free(buf);
        return -1;
    }
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)(in_len > UINT32_MAX ? UINT32_MAX : in_len);
    int rc = Z_OK;
    size_t got = 0;
    while (rc == Z_OK) {
        if (got == room) {
            if (room > cap)
                break; /* one byte past the cap: too big */
            size_t bigger = room * 2 > cap + 1 ? cap + 1 : room * 2;
            unsigned char *grown = realloc(buf, bigger);
            if (!grown) {
                rc = Z_MEM_ERROR;
                break;
            }
            buf = grown, room = bigger;
        }
        z.next_out = buf + got;
        z.avail_out = (uInt)(room - got);
        rc = inflate(&z, Z_NO_FLUSH);
        got = room - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_out > 0)
            break; /* the input ended before the stream did */
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || got > cap) {
        free(buf);
        return rc == Z_MEM_ERROR ? -1 : 1;
    }
    *out = buf, *out_len = got;
    return 0;
}

/* The keyword of a text-like chunk (1..79 bytes then NUL): its length, or 0. */
static size_t keyword_len(const struct chunk *c)
{
    const unsigned char *nul = memchr(c->data, 0, c->len < 80 ? c->len : 80);
    return nul && nul != c->data ? (size_t)(nul - c->data) : 0;
}

/*
 * What the walk has spent: PNG allows one iCCP, and each compressed chunk
 * costs an inflate, so a file of a thousand zlib bombs is not inflated a
 * thousand times (this runs in the parent process, without the sandbox's
 * deadline): one iCCP is tried, CONVTOOL_META_MAX_TEXTS text chunks, and the
 * texts inflate into what is left of CONVTOOL_META_MAX_TEXT.
 */
struct walk_budget {
    int icc_tried, texts_tried;
};

static convtool_status read_iccp(const struct chunk *c, convtool_metadata *md,
                                 struct walk_budget *b)
{
    size_t k = keyword_len(c);
    if (md->icc || b->icc_tried++)
        return CONVTOOL_OK; /* one iCCP per file; a damaged first one is flagged already */
    if (!k || k + 2 > c->len || c->data[k + 1] != 0) {
        md->dropped |= CONVTOOL_META_ICC;
        return CONVTOOL_OK;
    }
    int rc = inflate_capped(c->data + k + 2, c->len - k - 2, CONVTOOL_META_MAX_ICC, &md->icc,
                            &md->icc_len);
    if (rc < 0)
        return CONVTOOL_ENOMEM;
    if (rc > 0 || md->icc_len == 0) {
        free(md->icc);
        md->icc = NULL, md->icc_len = 0;
        md->dropped |= CONVTOOL_META_ICC;
        return CONVTOOL_OK;
    }
    memcpy(md->icc_name, c->data, k);
    md->icc_name[k] = '\0';
    return CONVTOOL_OK;
}

static convtool_status read_text(const struct chunk *c, convtool_metadata *md)
{
    size_t k = keyword_len(c);
    if (!k) {
        md->dropped |= CONVTOOL_META_TEXT;
        return CONVTOOL_OK;
    }
    return meta_add_text(md, CONVTOOL_TEXT_PLAIN, (const char *)c->data, k, c->data + k + 1,
                         c->len - k - 1, NULL, NULL);
}

/* zTXt's text, or an iTXt's compressed text, inflated under the text limit. */
static convtool_status add_inflated(convtool_metadata *md, convtool_text_kind kind,
                                    const struct chunk *c, size_t k, const unsigned char *z,
                                    size_t z_len, const char *lang, const char *translated)
{
    unsigned char *text = NULL;
    size_t text_len = 0;
    int rc = inflate_capped(z, z_len, meta_text_room(md), &text, &text_len);
    if (rc < 0)
        return CONVTOOL_ENOMEM;
    if (rc > 0) {
        md->dropped |= CONVTOOL_META_TEXT;
        return CONVTOOL_OK;
    }
    convtool_status st =
        meta_add_text(md, kind, (const char *)c->data, k, text, text_len, lang, translated);
    free(text);
    return st;
}

static convtool_status read_ztxt(const struct chunk *c, convtool_metadata *md)
{
    size_t k = keyword_len(c);
    if (!k || k + 2 > c->len || c->data[k + 1] != 0) {
        md->dropped |= CONVTOOL_META_TEXT;
        return CONVTOOL_OK;
    }
    return add_inflated(md, CONVTOOL_TEXT_COMPRESSED, c, k, c->data + k + 2, c->len - k - 2, NULL,
                        NULL);
}

/* iTXt: keyword\0 flag method language\0 translated\0 text. XMP goes to md->xmp. */
static convtool_status read_itxt(const struct chunk *c, convtool_metadata *md)
{
    size_t k = keyword_len(c);
    const unsigned char *end = c->data + c->len, *p = c->data + k + 3, *lang_end, *tr_end;
    int xmp = k == strlen(PNG_XMP_KEYWORD) && memcmp(c->data, PNG_XMP_KEYWORD, k) == 0;
    unsigned part = xmp ? CONVTOOL_META_XMP : CONVTOOL_META_TEXT;
    if (!k || k + 3 > c->len || c->data[k + 1] > 1 || c->data[k + 2] != 0 ||
        !(lang_end = memchr(p, 0, (size_t)(end - p))) ||
        !(tr_end = memchr(lang_end + 1, 0, (size_t)(end - lang_end - 1)))) {
        md->dropped |= part;
        return CONVTOOL_OK;
    }
    const unsigned char *text = tr_end + 1;
    size_t text_len = (size_t)(end - text);
    const char *lang = (const char *)p, *tr = (const char *)lang_end + 1;
    if (c->data[k + 1]) { /* compressed */
        if (xmp) { /* rare; XMP in PNG is written uncompressed so that scanners find it */
            md->dropped |= CONVTOOL_META_XMP;
            return CONVTOOL_OK;
        }
        return add_inflated(md, CONVTOOL_TEXT_INTERNATIONAL, c, k, text, text_len, lang, tr);
    }
    if (xmp)
        return meta_set_xmp(md, text, text_len);
    return meta_add_text(md, CONVTOOL_TEXT_INTERNATIONAL, (const char *)c->data, k, text,
                         text_len, lang, tr);
}

/* eXIf holds the TIFF block; some writers put JPEG's "Exif\0\0" in front: skipped. */
static const unsigned char *exif_body(const struct chunk *c, size_t *n)
{
    if (c->len >= 6 && memcmp(c->data, "Exif\0\0", 6) == 0) {
        *n = c->len - 6;
        return c->data + 6;
    }
    *n = c->len;
    return c->data;
}

static void read_small(const struct chunk *c, convtool_metadata *md)
{
    const unsigned char *d = c->data;
    if (memcmp(c->type, "pHYs", 4) == 0 && c->len == 9 && d[8] <= 1) {
        md->density_x = meta_be32(d), md->density_y = meta_be32(d + 4);
        md->density_unit = d[8] ? CONVTOOL_DENSITY_PER_METRE : CONVTOOL_DENSITY_ASPECT;
        if (!md->density_x || !md->density_y || md->density_x > PNG_MAX_CHUNK ||
            md->density_y > PNG_MAX_CHUNK)
            md->density_unit = CONVTOOL_DENSITY_NONE, md->dropped |= CONVTOOL_META_DENSITY;
    } else if (memcmp(c->type, "sRGB", 4) == 0 && c->len == 1 && d[0] <= 3) {
        md->has_srgb = 1, md->srgb_intent = d[0];
    } else if (memcmp(c->type, "gAMA", 4) == 0 && c->len == 4 && meta_be32(d) &&
               meta_be32(d) <= PNG_MAX_CHUNK) {
        md->has_gama = 1, md->gama = meta_be32(d);
    } else if (memcmp(c->type, "cHRM", 4) == 0 && c->len == 32) {
        md->has_chrm = 1;
        memcpy(md->chrm, d, 32);
    } else if (memcmp(c->type, "acTL", 4) == 0 && c->len == 8) {
        uint32_t frames = meta_be32(d);
        md->frames = frames > 1 ? (frames > 1u << 30 ? 1 << 30 : (int)frames) : md->frames;
    }
}

static convtool_status read_chunk(const struct chunk *c, convtool_metadata *md,
                                  struct walk_budget *b)
{
    const char *t = (const char *)c->type;
    if (memcmp(t, "iCCP", 4) == 0)
        return c->crc_ok ? read_iccp(c, md, b) : (md->dropped |= CONVTOOL_META_ICC, CONVTOOL_OK);
    if (memcmp(t, "eXIf", 4) == 0) {
        size_t n;
        const unsigned char *body = exif_body(c, &n);
        return c->crc_ok ? meta_set_exif(md, body, n)
                         : (md->dropped |= CONVTOOL_META_EXIF, CONVTOOL_OK);
    }
    int text = !memcmp(t, "tEXt", 4) || !memcmp(t, "zTXt", 4) || !memcmp(t, "iTXt", 4);
    if (text && (b->texts_tried++ >= CONVTOOL_META_MAX_TEXTS || !c->crc_ok)) {
        md->dropped |= CONVTOOL_META_TEXT;
        return CONVTOOL_OK;
    }
    if (memcmp(t, "tEXt", 4) == 0)
        return read_text(c, md);
    if (memcmp(t, "zTXt", 4) == 0)
        return read_ztxt(c, md);
    if (memcmp(t, "iTXt", 4) == 0)
        return read_itxt(c, md);
    if (c->crc_ok)
        read_small(c, md);
    return CONVTOOL_OK;
}

convtool_status png_chunks_read(const unsigned char *png, size_t len, convtool_metadata *md)
{
    if (!is_png(png, len))
        return CONVTOOL_OK;
    size_t at = PNG_SIG_LEN;
    struct chunk c;
    struct walk_budget budget = {0, 0};
    convtool_status st = CONVTOOL_OK;
    while (st == CONVTOOL_OK && next_chunk(png, len, &at, &c) && memcmp(c.type, "IEND", 4))
        st = read_chunk(&c, md, &budget);
    /* sRGB with a profile: the profile rules (PNG spec 11.3.3.5); it is not carried. */
    if (md->icc)
        md->has_srgb = 0;
    return st;
}

const unsigned char *png_chunks_find_exif(const unsigned char *png, size_t len, size_t *exif_len)
{
    if (!is_png(png, len))
        return NULL;
    size_t at = PNG_SIG_LEN;
    struct chunk c;
    while (next_chunk(png, len, &at, &c) && memcmp(c.type, "IEND", 4))
        if (memcmp(c.type, "eXIf", 4) == 0 && c.crc_ok) {
            const unsigned char *body = exif_body(&c, exif_len);
            if (meta_is_exif(body, *exif_len)) /* the block png_chunks_read keeps */
                return body;
        }
    return NULL;
}
