/* Splicing metadata into an encoded file (see metadata_embed.h). */
#include <string.h>

#include "codec/jpeg_markers.h"
#include "codec/png_chunks.h"
#include "image/metadata_embed.h"

/* Inserts ins at out->data + at (the bytes after it move up). */
static convtool_status splice(convtool_buffer *out, size_t at, const convtool_buffer *ins)
{
    size_t tail = out->len - at;
    if (ins->len == 0)
        return CONVTOOL_OK;
    convtool_status st = convtool_buffer_append(out, ins->data, ins->len); /* room */
    if (st != CONVTOOL_OK)
        return st;
    memmove(out->data + at + ins->len, out->data + at, tail);
    memcpy(out->data + at, ins->data, ins->len);
    return CONVTOOL_OK;
}

static convtool_status embed_png(const convtool_metadata *md, size_t start, int w, int h,
                                 convtool_buffer *out, convtool_buffer *ins)
{
    if (out->len - start < PNG_CHUNKS_AFTER_IHDR)
        return CONVTOOL_EINVAL;
    convtool_status st = png_chunks_write(md, (uint32_t)w, (uint32_t)h, ins);
    return st == CONVTOOL_OK ? splice(out, start + PNG_CHUNKS_AFTER_IHDR, ins) : st;
}

static convtool_status embed_jpeg(const convtool_metadata *md, size_t start, int w, int h,
                                  convtool_buffer *out, convtool_buffer *ins)
{
    size_t jfif = 0, at = jpeg_markers_insert_at(out->data + start, out->len - start, &jfif);
    unsigned left_out;
    if (!at)
        return CONVTOOL_EINVAL;
    if (jfif)
        jpeg_markers_set_density(out->data + start + jfif, at - jfif, md);
    convtool_status st = jpeg_markers_write(md, (uint32_t)w, (uint32_t)h, !jfif, ins, &left_out);
    return st == CONVTOOL_OK ? splice(out, start + at, ins) : st;
}

convtool_status metadata_embed(const convtool_metadata *md, convtool_format fmt, size_t start,
                               int w, int h, int channels, convtool_buffer *out)
{
    if (!md || (fmt != CONVTOOL_FORMAT_PNG && fmt != CONVTOOL_FORMAT_JPEG))
        return CONVTOOL_OK;
    convtool_metadata fitting;
    if (!convtool_metadata_icc_fits(md, channels)) { /* a shallow copy without the profile */
        fitting = *md;
        fitting.icc = NULL, fitting.icc_len = 0, fitting.icc_name[0] = '\0';
        md = &fitting;
    }
    convtool_buffer ins = {0};
    convtool_status st = fmt == CONVTOOL_FORMAT_PNG ? embed_png(md, start, w, h, out, &ins)
                                                    : embed_jpeg(md, start, w, h, out, &ins);
    convtool_buffer_free(&ins);
    if (st != CONVTOOL_OK)
        out->len = start;
    return st;
}
