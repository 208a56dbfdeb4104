/*
 * For tests of the PNG writer and its deflate encoder: the file decodes with
 * stb_image's own inflater too (levels 1 and 2 are not zlib's streams), to
 * exactly the pixels written. Include after <cmocka.h>.
 */
#ifndef CONVTOOL_STB_CHECK_H
#define CONVTOOL_STB_CHECK_H

#include "codec/stb_codec.h"

static void assert_stb_decodes(const unsigned char *file, size_t len, const unsigned char *px,
                               int w, int h, int c)
{
    int sw, sh, sc;
    unsigned char *got = NULL;
    assert_int_equal(stb_codec_decode8(file, len, &sw, &sh, &sc, &got), CONVTOOL_OK);
    assert_int_equal(sw, w);
    assert_int_equal(sh, h);
    assert_int_equal(sc, c);
    assert_memory_equal(got, px, (size_t)w * (size_t)h * (size_t)c);
    stb_codec_free(got);
}

#endif
