/* Shared pieces of the metadata readers and writers (see meta_common.h). */
#include <stdlib.h>
#include <string.h>

#include "codec/exif_tiff.h"
#include "codec/meta_common.h"

unsigned char *meta_dup(const void *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static size_t text_total(const convtool_metadata *md)
{
    size_t total = 0;
    for (size_t i = 0; i < md->text_count; i++)
        total += md->texts[i].text_len;
    return total;
}

size_t meta_text_room(const convtool_metadata *md)
{
    size_t used = text_total(md);
    return used < CONVTOOL_META_MAX_TEXT ? CONVTOOL_META_MAX_TEXT - used : 0;
}

static char *str_dup(const char *s)
{
    return s ? (char *)meta_dup(s, strlen(s) + 1) : NULL;
}

convtool_status meta_add_text(convtool_metadata *md, convtool_text_kind kind, const char *keyword,
                              size_t keyword_len, const unsigned char *text, size_t text_len,
                              const char *language, const char *translated)
{
    if (keyword_len < 1 || keyword_len > 79 || md->text_count >= CONVTOOL_META_MAX_TEXTS ||
        text_len > CONVTOOL_META_MAX_TEXT - text_total(md)) {
        md->dropped |= CONVTOOL_META_TEXT;
        return CONVTOOL_OK;
    }
    convtool_meta_text *grown = realloc(md->texts, (md->text_count + 1) * sizeof *grown);
    if (!grown)
        return CONVTOOL_ENOMEM;
    md->texts = grown;
    convtool_meta_text *t = &grown[md->text_count];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    memcpy(t->keyword, keyword, keyword_len);
    t->text = meta_dup(text, text_len);
    t->text_len = text_len;
    t->language = str_dup(language);
    t->translated = str_dup(translated);
    md->text_count++; /* counted first, so that convtool_metadata_free frees a partial record */
    if (!t->text || (language && !t->language) || (translated && !t->translated))
        return CONVTOOL_ENOMEM;
    return CONVTOOL_OK;
}

int meta_is_exif(const unsigned char *p, size_t len)
{
    return len >= 8 && len <= CONVTOOL_META_MAX_EXIF &&
           (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0);
}

convtool_status meta_set_exif(convtool_metadata *md, const unsigned char *tiff, size_t len)
{
    if (!meta_is_exif(tiff, len)) {
        md->dropped |= CONVTOOL_META_EXIF;
        return CONVTOOL_OK;
    }
    if (md->exif)
        return CONVTOOL_OK; /* the first block counts, as in exiftool */
    md->orientation = exif_orientation(tiff, len);
    md->exif = meta_dup(tiff, len);
    if (!md->exif)
        return CONVTOOL_ENOMEM;
    md->exif_len = len;
    return CONVTOOL_OK;
}

convtool_status meta_set_xmp(convtool_metadata *md, const unsigned char *xmp, size_t len)
{
    if (md->xmp)
        return CONVTOOL_OK;
    if (len > CONVTOOL_META_MAX_XMP || len == 0) {
        md->dropped |= CONVTOOL_META_XMP;
        return CONVTOOL_OK;
    }
    md->xmp = meta_dup(xmp, len);
    if (!md->xmp)
        return CONVTOOL_ENOMEM;
    md->xmp_len = len;
    return CONVTOOL_OK;
}

int meta_is_utf8(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                                   : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (extra == 9 || c == 0xc0 || c == 0xc1 || c > 0xf4 || n - i <= extra)
            return 0;
        uint32_t cp = extra ? c & (0x3f >> extra) : c;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += extra + 1;
    }
    return 1;
}

uint32_t meta_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

unsigned meta_be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

void meta_put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

unsigned char *meta_exif_for_output(const convtool_metadata *md, uint32_t w, uint32_t h)
{
    unsigned char *copy = meta_dup(md->exif, md->exif_len);
    if (copy) {
        exif_set_orientation(copy, md->exif_len, md->orientation);
        exif_set_dimensions(copy, md->exif_len, w, h);
    }
    return copy;
}
