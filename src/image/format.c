/* Format names, extensions and magic bytes. */
#include <string.h>
#include <strings.h>

#include "convtool/convtool.h"

struct format_name {
    const char *name;
    convtool_format fmt;
};

/* Names accepted by --format and as extensions: the formats we can write or read. */
static const struct format_name names[] = {
    {"png", CONVTOOL_FORMAT_PNG}, {"jpg", CONVTOOL_FORMAT_JPEG}, {"jpeg", CONVTOOL_FORMAT_JPEG},
    {"bmp", CONVTOOL_FORMAT_BMP}, {"tga", CONVTOOL_FORMAT_TGA},  {"hdr", CONVTOOL_FORMAT_HDR},
    {"npy", CONVTOOL_FORMAT_NPY},
};

convtool_status convtool_format_parse(const char *text, convtool_format *fmt)
{
    if (!text || !fmt)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *fmt = names[i].fmt;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

convtool_format convtool_format_from_path(const char *path)
{
    if (!path)
        return CONVTOOL_FORMAT_UNKNOWN;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    /* ".png" alone is a hidden file without an extension. */
    if (!dot || dot == base)
        return CONVTOOL_FORMAT_UNKNOWN;
    convtool_format fmt;
    if (convtool_format_parse(dot + 1, &fmt) != CONVTOOL_OK)
        return CONVTOOL_FORMAT_UNKNOWN;
    return fmt;
}

const char *convtool_format_name(convtool_format fmt)
{
    switch (fmt) {
    case CONVTOOL_FORMAT_PNG:
        return "png";
    case CONVTOOL_FORMAT_JPEG:
        return "jpeg";
    case CONVTOOL_FORMAT_BMP:
        return "bmp";
    case CONVTOOL_FORMAT_TGA:
        return "tga";
    case CONVTOOL_FORMAT_HDR:
        return "hdr";
    case CONVTOOL_FORMAT_NPY:
        return "npy";
    case CONVTOOL_FORMAT_GIF:
        return "gif";
    case CONVTOOL_FORMAT_PSD:
        return "psd";
    case CONVTOOL_FORMAT_PNM:
        return "pnm";
    default:
        return "unknown";
    }
}

static int starts_with(const unsigned char *bytes, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(bytes, magic, n) == 0;
}

/* P1..P7: the netpbm family (PBM, PGM, PPM, their raw forms, and PAM). */
static int is_pnm(const unsigned char *bytes, size_t len)
{
    return len >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7';
}

convtool_format convtool_format_sniff(const unsigned char *bytes, size_t len)
{
    if (!bytes)
        return CONVTOOL_FORMAT_UNKNOWN;
    if (starts_with(bytes, len, "\x89PNG\r\n\x1a\n", 8))
        return CONVTOOL_FORMAT_PNG;
    if (starts_with(bytes, len, "\xff\xd8\xff", 3))
        return CONVTOOL_FORMAT_JPEG;
    if (starts_with(bytes, len, "\x93NUMPY", 6))
        return CONVTOOL_FORMAT_NPY;
    if (starts_with(bytes, len, "GIF87a", 6) || starts_with(bytes, len, "GIF89a", 6))
        return CONVTOOL_FORMAT_GIF;
    if (starts_with(bytes, len, "BM", 2))
        return CONVTOOL_FORMAT_BMP;
    if (starts_with(bytes, len, "8BPS", 4))
        return CONVTOOL_FORMAT_PSD;
    if (starts_with(bytes, len, "#?RADIANCE", 10) || starts_with(bytes, len, "#?RGBE", 6))
        return CONVTOOL_FORMAT_HDR;
    if (is_pnm(bytes, len))
        return CONVTOOL_FORMAT_PNM;
    /* TGA has no magic number. */
    return CONVTOOL_FORMAT_UNKNOWN;
}
