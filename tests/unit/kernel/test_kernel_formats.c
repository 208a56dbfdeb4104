/*
 * Kernel banks and other tools' formats: ImageMagick strings, libvips .mat,
 * .npy, the `---` bank text format, and writing each back.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

#define IM CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK
#define VIPS CONVTOOL_KERNEL_FORMAT_VIPS
#define NPY CONVTOOL_KERNEL_FORMAT_NPY
#define TEXT CONVTOOL_KERNEL_FORMAT_CONVTOOL
#define AUTO CONVTOOL_KERNEL_FORMAT_AUTO

static convtool_kernel_bank parse_ok(const char *text, convtool_kernel_format fmt)
{
    convtool_kernel_bank b;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_bank_parse(text, strlen(text), "b", fmt, &b, &err);
    if (st != CONVTOOL_OK)
        print_error("unexpected %s at %d:%d: %s for [%s]\n", convtool_strerror(st), err.line,
                    err.column, err.message, text);
    assert_int_equal(st, CONVTOOL_OK);
    return b;
}

/* Kernel i of the bank has size w×h and these effective values (scale applied). */
static void expect_kernel(const convtool_kernel_bank *b, size_t i, int w, int h, const float *want)
{
    assert_true(i < b->count);
    const convtool_kernel *k = &b->kernels[i];
    assert_int_equal(k->w, w);
    assert_int_equal(k->h, h);
    for (int j = 0; j < w * h; j++) {
        double got = k->values[j] * k->scale;
        if (fabs(got - want[j]) > 1e-6)
            print_error("kernel %zu value %d: %g != %g\n", i, j, got, want[j]);
        assert_true(fabs(got - want[j]) <= 1e-6);
    }
}

static void expect_error(const char *text, convtool_kernel_format fmt, int line, int column,
                         const char *msg)
{
    convtool_kernel_bank b;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_bank_parse(text, strlen(text), "b", fmt, &b, &err);
    if (st != CONVTOOL_EPARSE || err.line != line || err.column != column ||
        strcmp(err.message, msg) != 0)
        print_error("got %s %d:%d: %s\nwant %d:%d: %s\n", convtool_strerror(st), err.line,
                    err.column, err.message, line, column, msg);
    assert_int_equal(st, CONVTOOL_EPARSE);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_string_equal(err.message, msg);
    assert_int_equal(b.count, 0);
    assert_null(b.kernels);
}

/* ------------------------------------------------------------ ImageMagick */

static void test_im_basic(void **state)
{
    (void)state;
    static const float blur[] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
    static const float wide[] = {1, 2, 3, 4, 5, 6};
    convtool_kernel_bank b = parse_ok("3x3: 1,2,1 2,4,2 1,2,1", AUTO);
    assert_int_equal(b.count, 1);
    expect_kernel(&b, 0, 3, 3, blur);
    assert_string_equal(b.kernels[0].name, "b");
    assert_false(b.has_combine);
    convtool_kernel_bank_free(&b);
    b = parse_ok("  3x2 :1 2 3\n4,5,6  ", IM);
    expect_kernel(&b, 0, 3, 2, wide);
    convtool_kernel_bank_free(&b);
    /* nan and '-' mark taps outside the kernel: 0 here. */
    static const float shaped[] = {0, 1, 0, 1, 1, 1, 0, 1, 0};
    b = parse_ok("3x3: nan,1,- 1,1,1 NaN,1,-", AUTO);
    expect_kernel(&b, 0, 3, 3, shaped);
    convtool_kernel_bank_free(&b);
}

static void test_im_list(void **state)
{
    (void)state;
    static const float a[] = {1, 2}, c[] = {3, 4};
    convtool_kernel_bank b = parse_ok(";2x1: 1 2 ;; 1x2: 3,4;", AUTO);
    assert_int_equal(b.count, 2);
    expect_kernel(&b, 0, 2, 1, a);
    expect_kernel(&b, 1, 1, 2, c);
    assert_string_equal(b.kernels[0].name, "b_1");
    assert_string_equal(b.kernels[1].name, "b_2");
    convtool_kernel_bank_free(&b);
}

/* A non-centre origin is met by zero rows and columns: the anchor lands on it. */
static void test_im_origin(void **state)
{
    (void)state;
    static const float corner[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                   2, 3, 0, 0, 4, 5, 6, 0, 0, 7, 8, 9};
    convtool_kernel_bank b = parse_ok("3x3+0+0: 1 2 3 4 5 6 7 8 9", AUTO);
    expect_kernel(&b, 0, 5, 5, corner);
    convtool_kernel_bank_free(&b);
    static const float right[] = {1, 2, 3, 0, 0};
    b = parse_ok("3x1+2+0: 1 2 3", AUTO);
    expect_kernel(&b, 0, 5, 1, right);
    convtool_kernel_bank_free(&b);
    static const float even[] = {1, 2};
    b = parse_ok("2x1+0+0: 1 2", AUTO); /* (2-1)/2 = 0: already convtool's anchor */
    expect_kernel(&b, 0, 2, 1, even);
    convtool_kernel_bank_free(&b);
    static const float odd[] = {1, 2, 0};
    b = parse_ok("2x1+1+0: 1 2", AUTO); /* an even kernel's other origin: odd, centred */
    expect_kernel(&b, 0, 3, 1, odd);
    convtool_kernel_bank_free(&b);
}

/* The turns ImageMagick's flags make (checked against IM 6.9 -define morphology:showkernel=1). */
static void test_im_flags(void **state)
{
    (void)state;
    static const float r0[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, r90[] = {7, 4, 1, 8, 5, 2, 9, 6, 3},
                       r180[] = {9, 8, 7, 6, 5, 4, 3, 2, 1}, r270[] = {3, 6, 9, 2, 5, 8, 1, 4, 7},
                       r45[] = {4, 1, 2, 7, 5, 3, 8, 9, 6};
    convtool_kernel_bank b = parse_ok("3x3>: 1,2,3 4,5,6 7,8,9", AUTO);
    assert_int_equal(b.count, 4);
    expect_kernel(&b, 0, 3, 3, r0);
    expect_kernel(&b, 1, 3, 3, r90);
    expect_kernel(&b, 2, 3, 3, r180);
    expect_kernel(&b, 3, 3, 3, r270);
    convtool_kernel_bank_free(&b);
    b = parse_ok("3x3<: 1,2,3 4,5,6 7,8,9", AUTO);
    assert_int_equal(b.count, 4);
    expect_kernel(&b, 1, 3, 3, r180);
    expect_kernel(&b, 2, 3, 3, r270);
    expect_kernel(&b, 3, 3, 3, r90);
    convtool_kernel_bank_free(&b);
    b = parse_ok("3x3@: 1,2,3 4,5,6 7,8,9", AUTO);
    assert_int_equal(b.count, 8);
    expect_kernel(&b, 1, 3, 3, r45);
    expect_kernel(&b, 4, 3, 3, r180);
    convtool_kernel_bank_free(&b);
    /* Turning stops when a turn repeats the first kernel. */
    b = parse_ok("3x3>: 0,1,0 1,1,1 0,1,0", AUTO);
    assert_int_equal(b.count, 1);
    convtool_kernel_bank_free(&b);
    static const float row[] = {3, 2, 1};
    b = parse_ok("1x3>: 1,2,3", AUTO);
    assert_int_equal(b.count, 4);
    expect_kernel(&b, 1, 3, 1, row);
    convtool_kernel_bank_free(&b);
}

static void test_im_errors(void **state)
{
    (void)state;
    expect_error("3x3: 1 2 3 4 5 6 7 8", IM, 1, 1, "a 3x3 kernel needs 9 values, got 8");
    expect_error("2x1: 1 2 3", IM, 1, 10, "more than 2 values for a 2x1 kernel");
    expect_error("2x1: 1 2; 1x1: x", IM, 1, 16, "cannot read \"x\" as a number");
    expect_error("2x1: 1 inf", IM, 1, 8,
                 "cannot read \"inf\" as a number (nan and infinity are not allowed)");
    expect_error("2x1: 1,,2", IM, 1, 8, "empty value between commas");
    expect_error("1x1: 1;\n\n  Sobel", IM, 3, 3,
                 "ImageMagick named kernels are not supported; give the values, as in "
                 "\"3x3: 1,2,1 2,4,2 1,2,1\"");
    expect_error("3x3+3+0: 1 2 3 4 5 6 7 8 9", IM, 1, 1,
                 "the origin +X+Y must lie inside the 3x3 kernel");
    expect_error("3x2>: 1 2 3 4 5 6", IM, 1, 1,
                 "'>' (90 degree turns) needs a square or one-row kernel");
    expect_error("5x5@: 1", IM, 1, 1, "'@' (45 degree turns) needs a 3x3 kernel");
    expect_error("3x3 1 2", IM, 1, 5, "expected ':' after the ImageMagick kernel size");
    expect_error("0x3: 1", IM, 1, 1, "kernel size must be 1 to 1024 on each side");
    expect_error("1x1: nan", IM, 1, 1, "every value is nan");
    expect_error("1x1: 1;2x1: 1", IM, 1, 8, "a 2x1 kernel needs 2 values, got 1");
    expect_error(" ; ", IM, 1, 4, "no kernel values");
}

/* ----------------------------------------------------------------- libvips */

static void test_vips(void **state)
{
    (void)state;
    static const float blur[] = {1 / 16.f, 2 / 16.f, 1 / 16.f, 2 / 16.f, 4 / 16.f,
                                 2 / 16.f, 1 / 16.f, 2 / 16.f, 1 / 16.f};
    convtool_kernel_bank b = parse_ok("3 3 16 127.5\n1 2 1\n2,4,2\n\"1\"\t2 1\n\n", VIPS);
    expect_kernel(&b, 0, 3, 3, blur);
    assert_true(b.kernels[0].scale == 1.0 / 16);
    assert_true(fabs(b.kernels[0].offset - 0.5) < 1e-15);
    convtool_kernel_bank_free(&b);
    static const float edge[] = {-1, 0, 1};
    b = parse_ok("3 1\n-1 0 1", VIPS);
    expect_kernel(&b, 0, 3, 1, edge);
    assert_true(b.kernels[0].offset == 0);
    convtool_kernel_bank_free(&b);
}

static void test_vips_errors(void **state)
{
    (void)state;
    expect_error("3\n1 2 3", VIPS, 1, 1,
                 "a libvips matrix starts with \"WIDTH HEIGHT [SCALE [OFFSET]]\"");
    expect_error("3 1 0\n1 2 3", VIPS, 1, 5, "the scale must not be 0");
    expect_error("2.5 1\n1 2", VIPS, 1, 1, "the width must be a whole number from 1 to 1024");
    expect_error("3 2\n1 2 3\n4 5", VIPS, 3, 1, "row 2 has 2 values but the header says 3");
    expect_error("3 2\n1 2 3\n4 5 6 7", VIPS, 3, 7, "more than 3 values on this line");
    expect_error("3 1\n1 2 3\n4 5 6", VIPS, 3, 1, "more than 1 rows (the header says 1)");
    expect_error("2 2\n1 2\n", VIPS, 3, 1, "1 row but the header says 2");
    expect_error("2 1 1 0 9\n1 2", VIPS, 1, 9, "more than 4 values on this line");
    expect_error("2 1\n1 x", VIPS, 2, 3, "cannot read \"x\" as a number");
}

/* -------------------------------------------------------------------- npy */

/* A little-endian v1.0 .npy of `count` values of type descr ('<f4', '<f8', '<i4'). */
static size_t make_npy(unsigned char *out, const char *descr, const char *shape, const void *data,
                       size_t bytes)
{
    char header[128];
    int n = snprintf(header, sizeof header,
                     "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (unsigned char)((n + 1 + pad) & 0xff);
    out[9] = (unsigned char)((n + 1 + pad) >> 8);
    memcpy(out + 10, header, (size_t)n);
    memset(out + 10 + n, ' ', pad);
    out[10 + n + pad] = '\n';
    memcpy(out + total + pad, data, bytes);
    return total + pad + bytes;
}

static void test_npy(void **state)
{
    (void)state;
    unsigned char file[512];
    convtool_kernel_bank b;
    convtool_parse_error err;
    static const double d[] = {1, 0, -1, 2, 0, -2};
    size_t len = make_npy(file, "<f8", "(2, 3)", d, sizeof d);
    assert_int_equal(convtool_kernel_bank_parse(file, len, "k", AUTO, &b, &err), CONVTOOL_OK);
    static const float want[] = {1, 0, -1, 2, 0, -2};
    expect_kernel(&b, 0, 3, 2, want);
    assert_string_equal(b.kernels[0].name, "k");
    convtool_kernel_bank_free(&b);

    static const float f[] = {1, 2, 3, 4, 5, 6, 7, 8};
    len = make_npy(file, "<f4", "(2, 2, 2)", f, sizeof f);
    assert_int_equal(convtool_kernel_bank_parse(file, len, "k", NPY, &b, &err), CONVTOOL_OK);
    assert_int_equal(b.count, 2);
    expect_kernel(&b, 1, 2, 2, f + 4);
    assert_string_equal(b.kernels[1].name, "k_2");
    convtool_kernel_bank_free(&b);

    static const float bad[] = {1, NAN};
    len = make_npy(file, "<f4", "(1, 2)", bad, sizeof bad);
    assert_int_equal(convtool_kernel_bank_parse(file, len, "k", NPY, &b, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.message, "value [0, 1] is nan; kernels must be finite");
    static const int ints[] = {1, 2};
    len = make_npy(file, "<i4", "(1, 2)", ints, sizeof ints);
    assert_int_equal(convtool_kernel_bank_parse(file, len, "k", NPY, &b, &err),
                     CONVTOOL_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "float32 or float64"));
    len = make_npy(file, "<f4", "(1, 2)", f, sizeof f); /* data longer than the shape */
    assert_int_equal(convtool_kernel_bank_parse(file, len, "k", NPY, &b, &err), CONVTOOL_ECORRUPT);
    len = make_npy(file, "<f4", "(1, 2000)", f, 0);
    assert_int_not_equal(convtool_kernel_bank_parse(file, len, "k", NPY, &b, &err), CONVTOOL_OK);
    assert_int_equal(b.count, 0);
}

/* ------------------------------------------------------------------ banks */

static const char sobel_bank[] = "# a bank\n"
                                 "description: both\n"
                                 "combine: Magnitude\n"
                                 "---\n"
                                 "name: gx\n"
                                 "scale: 1/2\n"
                                 "1 0 -1\n"
                                 "  ---  # next\n"
                                 "description: y\n"
                                 "1; 0; -1\n";

static void test_bank_text(void **state)
{
    (void)state;
    static const float gx[] = {0.5f, 0, -0.5f}, gy[] = {1, 0, -1};
    convtool_kernel_bank b = parse_ok(sobel_bank, AUTO);
    assert_int_equal(b.count, 2);
    assert_true(b.has_combine);
    assert_int_equal(b.combine, CONVTOOL_COMBINE_MAGNITUDE);
    assert_string_equal(b.description, "both");
    assert_string_equal(b.kernels[0].name, "gx");
    assert_string_equal(b.kernels[1].name, "b_2");
    assert_string_equal(b.kernels[1].description, "y");
    expect_kernel(&b, 0, 3, 1, gx);
    expect_kernel(&b, 1, 1, 3, gy);
    convtool_kernel_bank_free(&b);
    /* The single-kernel API takes the first kernel, named after the bank. */
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse(sobel_bank, strlen(sobel_bank), "pair", &k, NULL),
                     CONVTOOL_OK);
    assert_string_equal(k.name, "pair");
    assert_string_equal(k.description, "both");
    assert_int_equal(k.w, 3);
    convtool_kernel_free(&k);
}

static void test_bank_errors(void **state)
{
    (void)state;
    expect_error("1 2\n---\n3 4", TEXT, 1, 1,
                 "a value before the first \"---\" line: a kernel bank starts with its "
                 "description and combine, and each kernel follows a --- line");
    expect_error("combine: max\n1", TEXT, 1, 1,
                 "unknown directive \"combine\" (known: description, scale, offset)");
    expect_error("scale: 2\n---\n1", TEXT, 1, 1,
                 "unknown directive \"scale\" (known: description, combine; kernels follow --- "
                 "lines)");
    expect_error("---\ncombine: max\n1", TEXT, 2, 1,
                 "unknown directive \"combine\" (known: name, description, scale, offset)");
    expect_error("combine: most\n---\n1", TEXT, 1, 10,
                 "unknown combine \"most\" (separate, magnitude, max, sum, stack)");
    expect_error("---\nname: a b\n1", TEXT, 2, 8,
                 "name \"a b\" may hold only letters, digits, '_', '-' and '.'");
    expect_error("---\nname: a\n1\n---\nname: A\n2", TEXT, 4, 1,
                 "the kernel after this line is named \"A\" like an earlier one");
    expect_error("---\n1\n---\n\n# nothing", TEXT, 5, 10, "no kernel values");
    expect_error("---\n1 2\n---\n3\n4 x", TEXT, 5, 3, "cannot read \"x\" as a number");
    expect_error("---\n1 2\n---\n3\n4 5", TEXT, 5, 1, "row 2 has 2 values but row 1 has 1");
}

/* ---------------------------------------------------------------- writing */

static char *written(const convtool_kernel_bank *b, convtool_kernel_format fmt, size_t *len)
{
    convtool_buffer buf = {0};
    assert_int_equal(convtool_kernel_bank_write(b, fmt, &buf), CONVTOOL_OK);
    assert_int_equal(convtool_buffer_append(&buf, "", 1), CONVTOOL_OK);
    *len = buf.len - 1;
    return (char *)buf.data;
}

/* Written in fmt and read back, every kernel has the same effective values. */
static void expect_round_trip(const convtool_kernel_bank *b, convtool_kernel_format fmt)
{
    size_t len;
    char *text = written(b, fmt, &len);
    convtool_kernel_bank back;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_bank_parse(text, len, "back", fmt, &back, &err);
    if (st != CONVTOOL_OK)
        print_error("%s: %d:%d %s\n%s\n", convtool_kernel_format_name(fmt), err.line, err.column,
                    err.message, text);
    assert_int_equal(st, CONVTOOL_OK);
    assert_int_equal(back.count, b->count);
    for (size_t i = 0; i < b->count; i++) {
        const convtool_kernel *k = &b->kernels[i], *r = &back.kernels[i];
        assert_int_equal(r->w, k->w);
        assert_int_equal(r->h, k->h);
        for (int j = 0; j < k->w * k->h; j++)
            assert_true((float)(r->values[j] * r->scale) == (float)(k->values[j] * k->scale));
        if (fmt == TEXT || fmt == VIPS)
            assert_true(fabs(r->offset - k->offset) < 1e-12);
    }
    if (fmt == TEXT && b->count > 1) {
        assert_int_equal(back.has_combine, b->has_combine);
        assert_string_equal(back.kernels[0].name, b->kernels[0].name);
    }
    convtool_kernel_bank_free(&back);
    free(text);
}

static void test_write_round_trips(void **state)
{
    (void)state;
    const char *sources[] = {"scale: 1/16\noffset: 0.25\n1 2 1\n2 4 2\n1 2 1",
                             "scale: 0.3\n0.1 -2e-7 3.14159274 1e+30", "[[1],[2],[3]]"};
    convtool_kernel_format fmts[] = {TEXT, IM, VIPS, NPY};
    for (size_t s = 0; s < 3; s++) {
        convtool_kernel_bank b = parse_ok(sources[s], TEXT);
        for (size_t f = 0; f < 4; f++)
            expect_round_trip(&b, fmts[f]);
        convtool_kernel_bank_free(&b);
    }
    convtool_kernel_bank b;
    assert_int_equal(convtool_builtin_bank("kirsch", &b), CONVTOOL_OK);
    expect_round_trip(&b, TEXT);
    expect_round_trip(&b, IM);
    expect_round_trip(&b, NPY);
    convtool_kernel_bank_free(&b);
}

static void test_write_text(void **state)
{
    (void)state;
    size_t len;
    convtool_kernel_bank b = parse_ok("scale: 1/16\noffset: 0.5\n1 2 1\n2 4 2\n1 2 1", TEXT);
    char *s = written(&b, VIPS, &len);
    assert_string_equal(s, "3 3 16 127.5\n1 2 1\n2 4 2\n1 2 1\n");
    free(s);
    s = written(&b, IM, &len);
    assert_string_equal(s, "3x3: 0.0625,0.125,0.0625 0.125,0.25,0.125 0.0625,0.125,0.0625\n");
    free(s);
    s = written(&b, TEXT, &len);
    assert_non_null(strstr(s, "scale: 1/16\noffset: 0.5\n1 2 1\n2 4 2\n1 2 1\n"));
    free(s);
    convtool_kernel_bank_free(&b);
    b = parse_ok(sobel_bank, TEXT);
    s = written(&b, TEXT, &len);
    assert_non_null(strstr(s, "description: both\ncombine: magnitude\n---\nname: gx\n"));
    free(s);
    convtool_buffer buf = {0};
    assert_int_equal(convtool_kernel_bank_write(&b, VIPS, &buf), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(convtool_kernel_bank_write(&b, NPY, &buf), CONVTOOL_EMISMATCH);
    assert_int_equal(convtool_kernel_bank_write(&b, AUTO, &buf), CONVTOOL_EINVAL);
    convtool_buffer_free(&buf);
    convtool_kernel_bank_free(&b);
}

/* ------------------------------------------------------- names and sniffing */

static void test_formats(void **state)
{
    (void)state;
    convtool_kernel_format f;
    assert_int_equal(convtool_kernel_format_parse("ImageMagick", &f), CONVTOOL_OK);
    assert_int_equal(f, IM);
    assert_int_equal(convtool_kernel_format_parse("mat", &f), CONVTOOL_OK);
    assert_int_equal(f, VIPS);
    assert_int_equal(convtool_kernel_format_parse("auto", &f), CONVTOOL_EINVAL);
    assert_string_equal(convtool_kernel_format_name(NPY), "npy");
    assert_int_equal(convtool_kernel_format_from_path("a/b.MAT"), VIPS);
    assert_int_equal(convtool_kernel_format_from_path("k.npy"), NPY);
    assert_int_equal(convtool_kernel_format_from_path("k.txt"), AUTO);
    assert_int_equal(convtool_kernel_format_from_path("dir.npy/k"), AUTO);
    assert_int_equal(convtool_kernel_format_sniff("\x93NUMPY\x01", 7), NPY);
    assert_int_equal(convtool_kernel_format_sniff(" 5x3+0+1> : 1", 13), IM);
    assert_int_equal(convtool_kernel_format_sniff("3: 1 2 3", 8), TEXT); /* IM's bare size */
    assert_int_equal(convtool_kernel_format_sniff("1 2 3", 5), TEXT);
    assert_int_equal(convtool_kernel_format_sniff("3x3 1", 5), TEXT);
}

static void test_builtin_banks(void **state)
{
    (void)state;
    convtool_kernel_bank b, im;
    assert_int_equal(convtool_builtin_bank("SOBEL_XY", &b), CONVTOOL_OK);
    assert_int_equal(b.count, 2);
    assert_true(b.has_combine && b.combine == CONVTOOL_COMBINE_MAGNITUDE);
    assert_string_equal(b.kernels[1].name, "sobel_y");
    convtool_kernel_bank_free(&b);
    /* kirsch is ImageMagick's 45-degree turns of its north kernel. */
    assert_int_equal(convtool_builtin_bank("kirsch", &b), CONVTOOL_OK);
    im = parse_ok("3x3@: 5,5,5 -3,0,-3 -3,-3,-3", AUTO);
    assert_int_equal(b.count, 8);
    assert_int_equal(im.count, 8);
    for (size_t i = 0; i < 8; i++)
        assert_memory_equal(b.kernels[i].values, im.kernels[i].values, 9 * sizeof(float));
    convtool_kernel_bank_free(&im);
    convtool_kernel_bank_free(&b);
    assert_int_equal(convtool_builtin_bank("sobel", &b), CONVTOOL_OK);
    assert_int_equal(b.count, 1);
    assert_false(b.has_combine);
    convtool_kernel_bank_free(&b);
    assert_int_equal(convtool_builtin_bank("nosuch", &b), CONVTOOL_ENOENT);
    convtool_kernel_bank_free(NULL);
}

static void test_load_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/convtool-kfmt-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/box.mat", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("2 1 2\n1 1\n", f);
    fclose(f);
    convtool_kernel_bank b;
    convtool_parse_error err;
    assert_int_equal(convtool_kernel_bank_load_file(path, &b, &err), CONVTOOL_OK);
    assert_string_equal(b.name, "box");
    assert_string_equal(b.kernels[0].name, "box");
    assert_true(b.kernels[0].scale == 0.5);
    convtool_kernel_bank_free(&b);
    convtool_kernel k;
    assert_int_equal(convtool_kernel_load_file(path, &k, &err), CONVTOOL_OK);
    assert_int_equal(k.w, 2);
    convtool_kernel_free(&k);
    remove(path);
    snprintf(path, sizeof path, "%s/im.txt", dir); /* an ImageMagick string in a .txt */
    f = fopen(path, "w");
    fputs("2x1: 1 2;\n2x1: 3\n", f);
    fclose(f);
    assert_int_equal(convtool_kernel_bank_load_file(path, &b, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 1);
    remove(path);
    remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_im_basic),          cmocka_unit_test(test_im_list),
        cmocka_unit_test(test_im_origin),         cmocka_unit_test(test_im_flags),
        cmocka_unit_test(test_im_errors),         cmocka_unit_test(test_vips),
        cmocka_unit_test(test_vips_errors),       cmocka_unit_test(test_npy),
        cmocka_unit_test(test_bank_text),         cmocka_unit_test(test_bank_errors),
        cmocka_unit_test(test_write_round_trips), cmocka_unit_test(test_write_text),
        cmocka_unit_test(test_formats),           cmocka_unit_test(test_builtin_banks),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
