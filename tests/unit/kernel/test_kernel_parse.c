/* convtool_kernel_parse / load_file / copy / free: every rule of kernels/FORMAT.md. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "convtool/convtool.h"

#define EPS 1e-6

/* Parses NUL-terminated text and checks size and values. */
static void expect_values(const char *text, int h, int w, const float *want)
{
    convtool_kernel k;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_parse(text, strlen(text), "t", &k, &err);
    if (st != CONVTOOL_OK)
        print_error("unexpected error %d:%d: %s for [%s]\n", err.line, err.column, err.message,
                    text);
    assert_int_equal(st, CONVTOOL_OK);
    assert_int_equal(k.h, h);
    assert_int_equal(k.w, w);
    for (int i = 0; i < h * w; i++) {
        if (fabs(k.values[i] - want[i]) > EPS)
            print_error("value %d: %g != %g for [%s]\n", i, k.values[i], want[i], text);
        assert_true(fabs(k.values[i] - want[i]) <= EPS);
    }
    convtool_kernel_free(&k);
}

/* Parses len bytes (may hold NULs) and checks the exact error. */
static void expect_error_n(const char *text, size_t len, int line, int column, const char *msg)
{
    convtool_kernel k;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_parse(text, len, "t", &k, &err);
    assert_int_equal(st, CONVTOOL_EPARSE);
    if (err.line != line || err.column != column || strcmp(err.message, msg) != 0)
        print_error("got %d:%d: %s\nwant %d:%d: %s\n", err.line, err.column, err.message, line,
                    column, msg);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_string_equal(err.message, msg);
    assert_null(k.values);
    assert_int_equal(k.h, 0);
}

static void expect_error(const char *text, int line, int column, const char *msg)
{
    expect_error_n(text, strlen(text), line, column, msg);
}

static void test_plain_rows(void **state)
{
    (void)state;
    static const float sharpen[] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    expect_values("0 -1 0\n-1 5 -1\n0 -1 0\n", 3, 3, sharpen);
    expect_values("0 -1 0; -1 5 -1; 0 -1 0", 3, 3, sharpen);
    expect_values("0,-1,0\n-1,5,-1\n0,-1,0", 3, 3, sharpen);
    expect_values("\t0\t-1  0 \n\n\n-1 5 -1;;\n 0 -1 0", 3, 3, sharpen);
    expect_values("0, -1, 0;\n-1, 5, -1;\n0, -1, 0;\n", 3, 3, sharpen);
}

static void test_numbers(void **state)
{
    (void)state;
    static const float want[] = {1.5f,    0.5f,  5.0f, -0.25f, 1e-3f, 2500.0f,
                                 0.0625f, -1.5f, 0.5f, 3.0f,   -2.0f, 1e-30f};
    expect_values("1.5 .5 5. -.25 1e-3 2.5E3 1/16 -3/2 +1/2 6/+2 1/-0.5 1e-30", 1, 12, want);
}

static void test_fractions(void **state)
{
    (void)state;
    static const float want[] = {1.0f / 16, 2.0f / 16, 1.0f / 3, 1e3f / 4};
    expect_values("1/16 2/16 1/3 1e3/4", 1, 4, want);
}

static void test_shapes(void **state)
{
    (void)state;
    static const float ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    expect_values("1 1 1 1 1 1 1 1 1", 1, 9, ones);
    expect_values("1\n1\n1", 3, 1, ones);
    expect_values("1; 1; 1; 1", 4, 1, ones);
    expect_values("1 1; 1 1", 2, 2, ones);
    expect_values("1", 1, 1, ones);
    static const float two_by_three[] = {1, 2, 3, 4, 5, 6};
    expect_values("1 2 3\n4 5 6", 2, 3, two_by_three);
}

static void test_brackets(void **state)
{
    (void)state;
    static const float m[] = {1, 2, 3, 4};
    expect_values("[[1,2],[3,4]]", 2, 2, m);
    expect_values("[[1, 2],\n [3, 4]]\n", 2, 2, m);
    expect_values("[[1.,\n  2.],\n [3., 4.]]", 2, 2, m); /* numpy wraps long rows */
    expect_values("[[[[1, 2], [3, 4]]]]", 2, 2, m);      /* torch 1x1x2x2 weights */
    expect_values("[1 2; 3 4]", 2, 2, m);                /* MATLAB */
    expect_values("[[1,2,],[3,4,],]", 2, 2, m);          /* Python trailing commas */
    expect_values("[1, 2, 3, 4]", 1, 4, m);
    expect_values("# torch weights\n[[1, 2], # first\n [3, 4]]", 2, 2, m);
}

static void test_comments(void **state)
{
    (void)state;
    static const float m[] = {1, 2, 3, 4};
    expect_values("# header\n#\n1 2 # after values\n# between\n3 4#tight\n# end", 2, 2, m);
    expect_values("1 2\n3 4\n# no newline at end", 2, 2, m);
}

static void test_crlf_and_bom(void **state)
{
    (void)state;
    static const float m[] = {1, 2, 3, 4};
    expect_values("1 2\r\n3 4\r\n", 2, 2, m);
    expect_values("\xEF\xBB\xBF"
                  "1 2\n3 4",
                  2, 2, m);
    expect_values("\xEF\xBB\xBF"
                  "scale: 2\r\n1 2\r\n3 4\r\n",
                  2, 2, m);
    /* The BOM is not counted in columns. */
    expect_error("\xEF\xBB\xBF"
                 "1 x",
                 1, 3, "cannot read \"x\" as a number");
}

static void test_directives(void **state)
{
    (void)state;
    const char *text = "# blur\n"
                       "Description:  3x3 blur  # comment\n"
                       "SCALE: 1/16\n"
                       "1 2 1\n"
                       "offset 0.5\n"
                       "2 4 2\r\n"
                       "1 2 1\n";
    convtool_kernel k;
    convtool_parse_error err;
    assert_int_equal(convtool_kernel_parse(text, strlen(text), "blur", &k, &err), CONVTOOL_OK);
    assert_int_equal(k.h, 3);
    assert_int_equal(k.w, 3);
    assert_true(fabs(k.scale - 1.0 / 16) < 1e-12);
    assert_true(fabs(k.offset - 0.5) < 1e-12);
    assert_string_equal(k.description, "3x3 blur");
    assert_string_equal(k.name, "blur");
    assert_true(fabs(k.values[4] - 4) < EPS); /* the scale is not baked in */
    convtool_kernel_free(&k);

    /* Defaults. */
    assert_int_equal(convtool_kernel_parse("1", 1, NULL, &k, NULL), CONVTOOL_OK);
    assert_true(k.scale == 1.0 && k.offset == 0.0);
    assert_string_equal(k.description, "");
    assert_string_equal(k.name, "");
    convtool_kernel_free(&k);

    assert_int_equal(convtool_kernel_parse("scale:-2e-1\n1", 13, "x", &k, NULL), CONVTOOL_OK);
    assert_true(fabs(k.scale + 0.2) < 1e-12);
    convtool_kernel_free(&k);
}

static void test_description_truncated(void **state)
{
    (void)state;
    char text[600];
    /* 200 two-byte characters: the cut must not split one. */
    strcpy(text, "description: ");
    for (int i = 0; i < 200; i++)
        strcat(text, "\xC3\xA9");
    strcat(text, "\n1");
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse(text, strlen(text), "x", &k, NULL), CONVTOOL_OK);
    size_t n = strlen(k.description);
    assert_true(n < CONVTOOL_DESCRIPTION_MAX);
    assert_int_equal(n % 2, 0);
    assert_true(n >= CONVTOOL_DESCRIPTION_MAX - 2);
    convtool_kernel_free(&k);
}

static void test_name_truncated(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse("1", 1, name, &k, NULL), CONVTOOL_OK);
    assert_int_equal(strlen(k.name), CONVTOOL_NAME_MAX - 1);
    convtool_kernel_free(&k);
}

static void test_number_errors(void **state)
{
    (void)state;
    expect_error("1 2 x", 1, 5, "cannot read \"x\" as a number");
    expect_error("1 2\n3 4x", 2, 3, "cannot read \"4x\" as a number");
    expect_error("1 nan", 1, 3,
                 "cannot read \"nan\" as a number (nan and infinity are not allowed)");
    expect_error("-inf 1", 1, 1,
                 "cannot read \"-inf\" as a number (nan and infinity are not allowed)");
    expect_error("Infinity", 1, 1,
                 "cannot read \"Infinity\" as a number (nan and infinity are not allowed)");
    expect_error("0x10", 1, 1, "cannot read \"0x10\" as a number (hexadecimal is not allowed)");
    expect_error("1 0x1p3", 1, 3, "cannot read \"0x1p3\" as a number (hexadecimal is not allowed)");
    expect_error("1e999", 1, 1, "\"1e999\" is too large for a float");
    expect_error("1 -1e39", 1, 3, "\"-1e39\" is too large for a float");
    expect_error("1e38/1e-38", 1, 1, "\"1e38/1e-38\" is too large for a float");
    expect_error("1/0", 1, 1, "division by zero in \"1/0\"");
    expect_error("  1/0.0e5", 1, 3, "division by zero in \"1/0.0e5\"");
    expect_error("1/", 1, 1, "cannot read \"1/\" as a number");
    expect_error("/2", 1, 1, "cannot read \"/2\" as a number");
    expect_error("1/2/3", 1, 1, "cannot read \"1/2/3\" as a number");
    expect_error(".", 1, 1, "cannot read \".\" as a number");
    expect_error("-", 1, 1, "cannot read \"-\" as a number");
    expect_error("1e", 1, 1, "cannot read \"1e\" as a number");
    expect_error("1e+", 1, 1, "cannot read \"1e+\" as a number");
    expect_error("1..2", 1, 1, "cannot read \"1..2\" as a number");
    expect_error("--1", 1, 1, "cannot read \"--1\" as a number");
    expect_error("1:2", 1, 1, "cannot read \"1:2\" as a number");
    expect_error("1 \xff", 1, 3, "cannot read \"\\xff\" as a number");
    expect_error("x 1 2", 1, 1, "cannot read \"x\" as a number");
    expect_error("scale=2", 1, 1, "cannot read \"scale=2\" as a number");
}

static void test_long_token(void **state)
{
    (void)state;
    char text[300];
    memset(text, '1', 200);
    text[200] = '\0';
    convtool_kernel k;
    convtool_parse_error err;
    assert_int_equal(convtool_kernel_parse(text, 200, "t", &k, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "is too long"));
    assert_true(strlen(err.message) < sizeof err.message);
}

static void test_row_errors(void **state)
{
    (void)state;
    expect_error("1 2 3\n4 5\n", 2, 1, "row 2 has 2 values but row 1 has 3");
    expect_error("1 2 3; 4 5 6;  7", 1, 16, "row 3 has 1 value but row 1 has 3");
    expect_error("1 2\n\n# c\n3 4 5", 4, 1, "row 2 has 3 values but row 1 has 2");
    expect_error("[[1,2],\n [3,4,5]]", 2, 3, "row 2 has 3 values but row 1 has 2");
    expect_error("1,,2", 1, 3, "empty value between commas");
}

static void test_empty(void **state)
{
    (void)state;
    expect_error("", 1, 1, "no kernel values");
    expect_error("# only a comment\n", 2, 1, "no kernel values");
    expect_error("scale: 2\n\n", 3, 1, "no kernel values");
    expect_error("[[]]", 1, 5, "no kernel values");
    expect_error(" ; ;\n", 2, 1, "no kernel values");
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse(NULL, 0, "t", &k, NULL), CONVTOOL_EPARSE);
}

static void test_bracket_errors(void **state)
{
    (void)state;
    expect_error("[[1,2],[3,4]", 1, 1, "\"[\" is never closed");
    expect_error("[[1,2],\n [3,4", 2, 2, "\"[\" is never closed");
    expect_error("1 2]", 1, 4, "\"]\" without a matching \"[\"");
    expect_error("[1 [2]]", 1, 4, "unexpected \"[\" in the middle of a row");
    expect_error("[[[[[[[[[1]]]]]]]]]", 1, 5,
                 "lists nested more than 4 deep (a weight is 4-D: out channels, in channels per "
                 "group, height, width)");
    expect_error("[[1, scale: 2]]", 1, 6, "cannot read \"scale:\" as a number");
}

static void test_directive_errors(void **state)
{
    (void)state;
    expect_error("scael: 2\n1", 1, 1,
                 "unknown directive \"scael\" (known: description, scale, offset)");
    expect_error("1\n  name : x", 2, 3,
                 "unknown directive \"name\" (known: description, scale, offset)");
    expect_error("scale:\n1", 1, 7, "directive \"scale\" needs a number");
    expect_error("offset: # none\n1", 1, 9, "directive \"offset\" needs a number");
    expect_error("scale: 2 3\n1", 1, 10, "unexpected \"3\" after the scale value");
    expect_error("scale: 1/16x\n1", 1, 8, "cannot read \"1/16x\" as a number");
    expect_error("scale: nan\n1", 1, 8,
                 "cannot read \"nan\" as a number (nan and infinity are not allowed)");
    expect_error("offset: 1e40\n1", 1, 9, "\"1e40\" is too large for a float");
    expect_error("scale: 2\n1\nScale: 3", 3, 1, "duplicate directive \"scale\"");
    expect_error("description: a\ndescription: b\n1", 2, 1, "duplicate directive \"description\"");
    expect_error("1 scale: 2", 1, 3, "cannot read \"scale:\" as a number");
}

static void test_nul(void **state)
{
    (void)state;
    expect_error_n("1 2\n3\0 4", 8, 2, 2, "NUL byte in kernel text");
    expect_error_n("1 2 # c\0mment\n", 14, 1, 8, "NUL byte in kernel text");
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = 1025 * 2 + 1;
    char *text = malloc(n);
    assert_non_null(text);
    for (size_t i = 0; i < 1025; i++) {
        text[2 * i] = '1';
        text[2 * i + 1] = ' ';
    }
    convtool_kernel k;
    convtool_parse_error err;
    /* 1024 values on one row are fine, 1025 are not. */
    assert_int_equal(convtool_kernel_parse(text, 1024 * 2, "t", &k, &err), CONVTOOL_OK);
    assert_int_equal(k.w, 1024);
    convtool_kernel_free(&k);
    assert_int_equal(convtool_kernel_parse(text, 1025 * 2, "t", &k, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 2049);
    assert_string_equal(err.message, "row 1 has more than 1024 values");
    /* The same as a column: 1025 rows. */
    for (size_t i = 0; i < 1025; i++)
        text[2 * i + 1] = '\n';
    assert_int_equal(convtool_kernel_parse(text, 1024 * 2, "t", &k, &err), CONVTOOL_OK);
    assert_int_equal(k.h, 1024);
    assert_int_equal(k.w, 1);
    convtool_kernel_free(&k);
    assert_int_equal(convtool_kernel_parse(text, 1025 * 2, "t", &k, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.line, 1025);
    assert_int_equal(err.column, 1);
    assert_string_equal(err.message, "more than 1024 rows");
    free(text);
}

static void test_copy_and_free(void **state)
{
    (void)state;
    const char *text = "description: d\nscale: 3\n1 2; 3 4";
    convtool_kernel a, b;
    assert_int_equal(convtool_kernel_parse(text, strlen(text), "a", &a, NULL), CONVTOOL_OK);
    assert_int_equal(convtool_kernel_copy(&a, &b), CONVTOOL_OK);
    assert_ptr_not_equal(a.values, b.values);
    assert_int_equal(b.h, 2);
    assert_int_equal(b.w, 2);
    assert_memory_equal(a.values, b.values, 4 * sizeof(float));
    assert_string_equal(b.name, "a");
    assert_string_equal(b.description, "d");
    assert_true(b.scale == 3.0);
    convtool_kernel_free(&a);
    assert_true(fabs(b.values[3] - 4) < EPS); /* independent of a */
    convtool_kernel_free(&b);
    convtool_kernel_free(&b); /* twice is fine */
    assert_null(b.values);
    convtool_kernel_free(NULL);
    convtool_kernel empty = {0};
    assert_int_equal(convtool_kernel_copy(&empty, &b), CONVTOOL_EINVAL);
}

/* Writes `text` to a fresh temporary directory as `name`; returns the path. */
static char *write_temp(const char *name, const char *text, size_t len, char *dir)
{
    strcpy(dir, "/tmp/convtool-kernel-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(path);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void remove_temp(char *path, const char *dir)
{
    unlink(path);
    rmdir(dir);
    free(path);
}

static void test_load_file(void **state)
{
    (void)state;
    char dir[64];
    const char *text = "# my edge\ndescription: mine\n1 0 -1\n";
    char *path = write_temp("my.edge.txt", text, strlen(text), dir);
    convtool_kernel k;
    convtool_parse_error err;
    assert_int_equal(convtool_kernel_load_file(path, &k, &err), CONVTOOL_OK);
    assert_string_equal(k.name, "my.edge");
    assert_string_equal(k.description, "mine");
    assert_int_equal(k.h, 1);
    assert_int_equal(k.w, 3);
    convtool_kernel_free(&k);

    /* A directory is refused with EIO/EISDIR. */
    errno = 0;
    assert_int_equal(convtool_kernel_load_file(dir, &k, &err), CONVTOOL_EIO);
    assert_int_equal(errno, EISDIR);
    remove_temp(path, dir);

    assert_int_equal(convtool_kernel_load_file("/nonexistent/k.txt", &k, &err), CONVTOOL_ENOENT);
}

static void test_load_file_errors(void **state)
{
    (void)state;
    char dir[64];
    const char *text = "1 2 3\n4 5 oops\n";
    char *path = write_temp("bad", text, strlen(text), dir);
    convtool_kernel k;
    convtool_parse_error err;
    assert_int_equal(convtool_kernel_load_file(path, &k, &err), CONVTOOL_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 5);
    assert_string_equal(err.message, "cannot read \"oops\" as a number");
    assert_null(k.values);
    remove_temp(path, dir);
}

static void test_load_file_too_large(void **state)
{
    (void)state;
    char dir[64];
    char *path = write_temp("big.txt", "1\n", 2, dir);
    /* Grow it sparsely past 16 MiB: the size is checked before reading. */
    assert_int_equal(truncate(path, 16 * 1024 * 1024 + 1), 0);
    convtool_kernel k;
    assert_int_equal(convtool_kernel_load_file(path, &k, NULL), CONVTOOL_ELIMIT);
    assert_int_equal(truncate(path, 16 * 1024 * 1024), 0);
    /* Exactly 16 MiB is read (and refused only for its NUL bytes). */
    assert_int_equal(convtool_kernel_load_file(path, &k, NULL), CONVTOOL_EPARSE);
    remove_temp(path, dir);
}

#define DECIMAL_COMMA                                                                          \
    "a decimal comma? write decimals with '.' (values are separated by blanks or commas)"

/* "0,25 0,5" is a decimal comma, refused; commas alone or with blanks stay separators. */
static void test_decimal_comma(void **state)
{
    (void)state;
    expect_error("0,25 0,5 0,25", 1, 2, DECIMAL_COMMA);
    expect_error("1 2 3\n0,5 1 2", 2, 2, DECIMAL_COMMA);
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse("1,2,1; 2,4,2", 12, "t", &k, NULL), CONVTOOL_OK);
    assert_int_equal(k.w, 3);
    convtool_kernel_free(&k);
    assert_int_equal(convtool_kernel_parse("1, 2, 1", 7, "t", &k, NULL), CONVTOOL_OK);
    assert_int_equal(k.w, 3);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows),
        cmocka_unit_test(test_decimal_comma),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_brackets),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_description_truncated),
        cmocka_unit_test(test_name_truncated),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_long_token),
        cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_bracket_errors),
        cmocka_unit_test(test_directive_errors),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_copy_and_free),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_load_file_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
