/* exif_tiff.c: the Orientation tag and the pixel dimensions, read and set in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec/exif_tiff.h"

/* put16/put32 in either byte order */
static void w16(unsigned char *p, unsigned v, int big)
{
    p[big ? 0 : 1] = (unsigned char)(v >> 8), p[big ? 1 : 0] = (unsigned char)v;
}

static void w32(unsigned char *p, uint32_t v, int big)
{
    for (int i = 0; i < 4; i++)
        p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void entry(unsigned char *e, unsigned tag, unsigned type, uint32_t value, int big)
{
    w16(e, tag, big);
    w16(e + 2, type, big);
    w32(e + 4, 1, big);
    memset(e + 8, 0, 4);
    if (type == 3)
        w16(e + 8, value, big);
    else
        w32(e + 8, value, big);
}

/*
 * A block: header, IFD0 at 8 with Make (ASCII, ignored), Orientation (SHORT)
 * and the Exif IFD pointer; the Exif IFD at 50 with PixelXDimension (LONG) and
 * PixelYDimension (SHORT).
 */
static size_t make_exif(unsigned char *b, int big, unsigned orientation)
{
    memset(b, 0, 96);
    memcpy(b, big ? "MM\0*" : "II*\0", 4);
    w32(b + 4, 8, big);
    w16(b + 8, 3, big);
    entry(b + 10, 0x010F, 2, 0, big);
    entry(b + 22, 0x0112, 3, orientation, big);
    entry(b + 34, 0x8769, 4, 50, big);
    w16(b + 50, 2, big);
    entry(b + 52, 0xA002, 4, 4000, big);
    entry(b + 64, 0xA003, 3, 3000, big);
    return 80;
}

static void test_orientation(void **state)
{
    (void)state;
    unsigned char b[96];
    for (int big = 0; big < 2; big++)
        for (unsigned o = 1; o <= 8; o++) {
            size_t n = make_exif(b, big, o);
            assert_int_equal(exif_orientation(b, n), (int)o);
            exif_set_orientation(b, n, 1);
            assert_int_equal(exif_orientation(b, n), 1);
        }
    size_t n = make_exif(b, 0, 9); /* out of range: no orientation */
    assert_int_equal(exif_orientation(b, n), 0);
    n = make_exif(b, 0, 6);
    assert_int_equal(exif_orientation(b, 30), 0); /* cut inside the entry */
    assert_int_equal(exif_orientation(b, 10), 0); /* the IFD's count and no room for an entry */
    b[0] = 'X';
    assert_int_equal(exif_orientation(b, n), 0);
}

/* Reads the value of the entry at e (SHORT or LONG). */
static uint32_t value_at(const unsigned char *e, int big)
{
    unsigned type = big ? (unsigned)e[2] << 8 | e[3] : (unsigned)e[3] << 8 | e[2];
    const unsigned char *v = e + 8;
    if (type == 3)
        return big ? (uint32_t)v[0] << 8 | v[1] : (uint32_t)v[1] << 8 | v[0];
    return big ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]
               : (uint32_t)v[3] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[1] << 8 | v[0];
}

static void test_dimensions(void **state)
{
    (void)state;
    unsigned char b[96], before[96];
    for (int big = 0; big < 2; big++) {
        size_t n = make_exif(b, big, 6);
        memcpy(before, b, sizeof b);
        exif_set_dimensions(b, n, 1234, 567);
        assert_int_equal(value_at(b + 52, big), 1234);
        assert_int_equal(value_at(b + 64, big), 567);
        /* nothing else moved */
        assert_memory_equal(b, before, 52 + 8);
        exif_set_dimensions(b, n, 70000, 70000); /* SHORT keeps its value, LONG takes it */
        assert_int_equal(value_at(b + 52, big), 70000);
        assert_int_equal(value_at(b + 64, big), 567);
    }
    /* an Exif IFD pointer past the end: nothing written, nothing read out of bounds */
    size_t n = make_exif(b, 0, 1);
    w32(b + 34 + 8, 4000, 0);
    memcpy(before, b, sizeof b);
    exif_set_dimensions(b, n, 1, 1);
    assert_memory_equal(b, before, sizeof b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_dimensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
