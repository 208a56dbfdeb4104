/* Format names, extensions and magic-byte sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "convtool/convtool.h"

static void test_parse_names(void **state)
{
    (void)state;
    struct {
        const char *text;
        convtool_format fmt;
    } cases[] = {
        {"png", CONVTOOL_FORMAT_PNG},   {"PNG", CONVTOOL_FORMAT_PNG}, {"jpg", CONVTOOL_FORMAT_JPEG},
        {"JPEG", CONVTOOL_FORMAT_JPEG}, {"Bmp", CONVTOOL_FORMAT_BMP}, {"tga", CONVTOOL_FORMAT_TGA},
        {"hdr", CONVTOOL_FORMAT_HDR},   {"npy", CONVTOOL_FORMAT_NPY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convtool_format fmt = CONVTOOL_FORMAT_UNKNOWN;
        assert_int_equal(convtool_format_parse(cases[i].text, &fmt), CONVTOOL_OK);
        assert_int_equal(fmt, cases[i].fmt);
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"", "gif", "pn", "pngx", ".png", "psd", "jpe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        convtool_format fmt;
        assert_int_equal(convtool_format_parse(bad[i], &fmt), CONVTOOL_EINVAL);
    }
    convtool_format fmt;
    assert_int_equal(convtool_format_parse(NULL, &fmt), CONVTOOL_EINVAL);
}

static void test_from_path(void **state)
{
    (void)state;
    struct {
        const char *path;
        convtool_format fmt;
    } cases[] = {
        {"a.png", CONVTOOL_FORMAT_PNG},
        {"dir/photo.JPG", CONVTOOL_FORMAT_JPEG},
        {"x.jpeg", CONVTOOL_FORMAT_JPEG},
        {"x.Jpeg", CONVTOOL_FORMAT_JPEG},
        {"out.tar.npy", CONVTOOL_FORMAT_NPY},
        {"img.hdr", CONVTOOL_FORMAT_HDR},
        {"img.TGA", CONVTOOL_FORMAT_TGA},
        {"img.bmp", CONVTOOL_FORMAT_BMP},
        {"noext", CONVTOOL_FORMAT_UNKNOWN},
        {".png", CONVTOOL_FORMAT_UNKNOWN},
        {"dir.png/file", CONVTOOL_FORMAT_UNKNOWN},
        {"a.gif", CONVTOOL_FORMAT_UNKNOWN},
        {"a.", CONVTOOL_FORMAT_UNKNOWN},
        {"", CONVTOOL_FORMAT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(convtool_format_from_path(cases[i].path), cases[i].fmt);
    assert_int_equal(convtool_format_from_path(NULL), CONVTOOL_FORMAT_UNKNOWN);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(convtool_format_name(CONVTOOL_FORMAT_PNG), "png");
    assert_string_equal(convtool_format_name(CONVTOOL_FORMAT_JPEG), "jpeg");
    assert_string_equal(convtool_format_name(CONVTOOL_FORMAT_NPY), "npy");
    assert_string_equal(convtool_format_name(CONVTOOL_FORMAT_GIF), "gif");
    assert_string_equal(convtool_format_name(CONVTOOL_FORMAT_UNKNOWN), "unknown");
    assert_string_equal(convtool_format_name((convtool_format)99), "unknown");
}

static void test_sniff(void **state)
{
    (void)state;
    struct {
        const char *bytes;
        size_t len;
        convtool_format fmt;
    } cases[] = {
        {"\x89PNG\r\n\x1a\n....", 12, CONVTOOL_FORMAT_PNG},
        {"\x89PNG\r\n\x1a", 7, CONVTOOL_FORMAT_UNKNOWN},
        {"\xff\xd8\xff\xe0", 4, CONVTOOL_FORMAT_JPEG},
        {"\xff\xd8\x00", 3, CONVTOOL_FORMAT_UNKNOWN},
        {"\x93NUMPY\x01\x00", 8, CONVTOOL_FORMAT_NPY},
        {"GIF89a", 6, CONVTOOL_FORMAT_GIF},
        {"GIF87a", 6, CONVTOOL_FORMAT_GIF},
        {"BM\x36\x00", 4, CONVTOOL_FORMAT_BMP},
        {"8BPS\x00\x01", 6, CONVTOOL_FORMAT_PSD},
        {"P6\n1 1\n255\n", 11, CONVTOOL_FORMAT_PNM},
        {"P7\nWIDTH", 8, CONVTOOL_FORMAT_PNM},
        {"P8", 2, CONVTOOL_FORMAT_UNKNOWN},
        {"#?RADIANCE\n", 11, CONVTOOL_FORMAT_HDR},
        {"#?RGBE\n", 7, CONVTOOL_FORMAT_HDR},
        {"\x00\x00\x02\x00", 4, CONVTOOL_FORMAT_UNKNOWN}, /* TGA: no magic */
        {"", 0, CONVTOOL_FORMAT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(convtool_format_sniff((const unsigned char *)cases[i].bytes, cases[i].len),
                         cases[i].fmt);
    assert_int_equal(convtool_format_sniff(NULL, 4), CONVTOOL_FORMAT_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_names), cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_from_path),   cmocka_unit_test(test_names),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
