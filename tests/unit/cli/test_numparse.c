/* Strict CLI number parsing: what is accepted, what is refused and why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* CLI code is not in the library; test it by including it. */
#include "common/numparse.h"

static void expect_int(const char *text, long min, long max, int want)
{
    int v = -12345;
    const char *why = NULL;
    if (parse_int_range(text, min, max, &v, &why) != 0)
        fail_msg("\"%s\" refused: %s", text, why);
    assert_int_equal(v, want);
}

static void expect_int_refused(const char *text, long min, long max, const char *reason)
{
    int v = -12345;
    const char *why = NULL;
    assert_int_equal(parse_int_range(text, min, max, &v, &why), -1);
    assert_int_equal(v, -12345); /* untouched on failure */
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void int_accepts_plain_decimals(void **state)
{
    expect_int("0", 0, 10, 0);
    expect_int("7", 1, 10, 7);
    expect_int("10", 1, 10, 10);
    expect_int("-3", -5, 5, -3);
    expect_int("-0", 0, 5, 0);
    expect_int("010", 0, 100, 10); /* decimal, not octal */
    expect_int("2147483647", 0, 2147483647L, 2147483647);
}

static void int_refuses_junk_and_range(void **state)
{
    expect_int_refused("", 0, 10, "empty value");
    expect_int_refused(" 3", 0, 10, "unexpected spaces");
    expect_int_refused("3 ", 0, 10, "unexpected spaces");
    expect_int_refused("3x", 0, 10, "trailing characters");
    expect_int_refused("+", 0, 10, "not a whole number");
    expect_int_refused("+3", 0, 10, "not a whole number");
    expect_int_refused("-", -5, 10, "not a whole number");
    expect_int_refused("abc", 0, 10, "not a whole number");
    expect_int_refused("1.5", 0, 10, "not a whole number");
    expect_int_refused("1e3", 0, 10000, "not a whole number");
    expect_int_refused("0x10", 0, 100, "trailing characters");
    expect_int_refused("-1", 0, 10, "must not be negative");
    expect_int_refused("0", 1, 4096, "out of range 1..4096");
    expect_int_refused("4097", 1, 4096, "out of range 1..4096");
    expect_int_refused("99999999999999999999999", 1, 4096, "out of range 1..4096");
    expect_int_refused("-99999999999999999999999", -5, 5, "out of range -5..5");
    expect_int_refused(NULL, 0, 10, "empty value");
}

static void pair_accepts_one_or_two(void **state)
{
    int a = 0, b = 0;
    const char *why = NULL;

    assert_int_equal(parse_int_pair("3", 1, 100, &a, &b, &why), 0);
    assert_int_equal(a, 3);
    assert_int_equal(b, 3);
    assert_int_equal(parse_int_pair("2,5", 1, 100, &a, &b, &why), 0);
    assert_int_equal(a, 2);
    assert_int_equal(b, 5);
    assert_int_equal(parse_int_pair("0,0", 0, 100, &a, &b, &why), 0);
    assert_int_equal(a + b, 0);
}

static void pair_refuses(const char *text, const char *reason)
{
    int a = -7, b = -7;
    const char *why = NULL;
    assert_int_equal(parse_int_pair(text, 1, 100, &a, &b, &why), -1);
    assert_int_equal(a, -7);
    assert_int_equal(b, -7);
    assert_string_equal(why, reason);
}

static void pair_refuses_malformed(void **state)
{
    pair_refuses("", "empty value");
    pair_refuses(",3", "expected N or A,B");
    pair_refuses("3,", "expected N or A,B");
    pair_refuses("3,4,5", "trailing characters");
    pair_refuses("3, 4", "unexpected spaces");
    pair_refuses("3 ,4", "unexpected spaces");
    pair_refuses("0,4", "out of range 1..100");
    pair_refuses("4,101", "out of range 1..100");
    pair_refuses("-1,4", "must not be negative");
    pair_refuses("x,4", "not a whole number");
    pair_refuses("111111111111111111111111111111111111111,4", "out of range 1..100");
}

static void expect_double(const char *text, double want)
{
    double v = -1;
    const char *why = NULL;
    if (parse_double_finite(text, &v, &why) != 0)
        fail_msg("\"%s\" refused: %s", text, why);
    assert_true(v == want);
}

static void double_refuses(const char *text, const char *reason)
{
    double v = 42;
    const char *why = NULL;
    assert_int_equal(parse_double_finite(text, &v, &why), -1);
    assert_true(v == 42);
    assert_string_equal(why, reason);
}

static void double_accepts_decimals_and_fractions(void **state)
{
    expect_double("0", 0);
    expect_double("0.5", 0.5);
    expect_double("-2", -2);
    expect_double("+0.25", 0.25);
    expect_double(".5", 0.5);
    expect_double("1.", 1);
    expect_double("1e-3", 1e-3);
    expect_double("2E2", 200);
    expect_double("1/16", 1.0 / 16);
    expect_double("-3/4", -0.75);
    expect_double("1/-4", -0.25);
    expect_double("1.5/0.5", 3);
    expect_double("1e-400", 0); /* underflow is a small number, not an error */
}

static void double_refuses_nonfinite_and_junk(void **state)
{
    double_refuses("", "empty value");
    double_refuses(" 1", "unexpected spaces");
    double_refuses("1\t", "unexpected spaces");
    double_refuses("nan", "not a finite number");
    double_refuses("-inf", "not a finite number");
    double_refuses("Infinity", "not a finite number");
    double_refuses("1e999", "out of range");
    double_refuses("-1e999", "out of range");
    double_refuses("1e300/1e-300", "out of range");
    double_refuses("0x1p3", "not a decimal number");
    double_refuses("1.5x", "trailing characters");
    double_refuses("1e", "trailing characters");
    double_refuses("abc", "not a number");
    double_refuses(".", "not a number");
    double_refuses("-", "not a number");
    double_refuses("1/0", "division by zero");
    double_refuses("1/", "not a number");
    double_refuses("/2", "not a number");
    double_refuses("1/2/3", "trailing characters");
    double_refuses("1/nan", "not a finite number");
}

static void size_accepts_wxh_and_wxhxc(void **state)
{
    int w = 0, h = 0, c = -1;
    const char *why = NULL;

    assert_int_equal(parse_size_wxh("28x28", &w, &h, &c, &why), 0);
    assert_int_equal(w, 28);
    assert_int_equal(h, 28);
    assert_int_equal(c, 0);
    assert_int_equal(parse_size_wxh("640X480x3", &w, &h, &c, &why), 0);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    assert_int_equal(c, 3);
    assert_int_equal(parse_size_wxh("5x3", &w, &h, NULL, &why), 0);
    assert_int_equal(w, 5);
    assert_int_equal(h, 3);
    assert_int_equal(parse_size_wxh("1073741824x1x4096", &w, &h, &c, &why), 0);
    assert_int_equal(w, 1 << 30);
    assert_int_equal(c, 4096);
}

static void size_refuses(const char *text, int with_c, const char *reason)
{
    int w = -9, h = -9, c = -9;
    const char *why = NULL;
    assert_int_equal(parse_size_wxh(text, &w, &h, with_c ? &c : NULL, &why), -1);
    assert_int_equal(w, -9);
    assert_int_equal(h, -9);
    assert_int_equal(c, -9);
    assert_string_equal(why, reason);
}

static void size_refuses_malformed(void **state)
{
    size_refuses("", 1, "empty value");
    size_refuses("28", 1, "expected WxH or WxHxC");
    size_refuses("28x", 1, "expected WxH or WxHxC");
    size_refuses("x28", 1, "expected WxH or WxHxC");
    size_refuses("2x3x4x5", 1, "expected WxH or WxHxC");
    size_refuses("2x3x4", 0, "expected WxH or WxHxC");
    size_refuses("0x5", 1, "width: out of range 1..1073741824");
    size_refuses("5x0", 1, "height: out of range 1..1073741824");
    size_refuses("5x5x0", 1, "channels: out of range 1..4096");
    size_refuses("5x5x4097", 1, "channels: out of range 1..4096");
    size_refuses("1073741825x1", 1, "width: out of range 1..1073741824");
    size_refuses("-5x5", 1, "width: must not be negative");
    size_refuses("5x5.5", 1, "height: not a whole number");
    size_refuses("5*5", 1, "width: trailing characters");
    size_refuses("5 x5", 1, "width: unexpected spaces");
    size_refuses("5x5 ", 1, "unexpected spaces");
    size_refuses("99999999999999999999999999999999999x5", 1, "width: out of range 1..1073741824");
}

static void expect_u64(const char *text, uint64_t want)
{
    uint64_t v = 7;
    const char *why = NULL;
    if (parse_u64(text, &v, &why) != 0)
        fail_msg("\"%s\" refused: %s", text, why);
    assert_true(v == want);
}

static void u64_refuses(const char *text, const char *reason)
{
    uint64_t v = 7;
    const char *why = NULL;
    assert_int_equal(parse_u64(text, &v, &why), -1);
    assert_true(v == 7);
    assert_string_equal(why, reason);
}

static void u64_accepts_suffixes(void **state)
{
    expect_u64("0", 0);
    expect_u64("100000000", 100000000u);
    expect_u64("5k", 5000);
    expect_u64("5K", 5000);
    expect_u64("250M", 250000000u);
    expect_u64("2G", 2000000000u);
    expect_u64("18446744073709551615", UINT64_MAX);
    expect_u64("18446744073G", 18446744073000000000u);
}

static void u64_refuses_sign_overflow_and_junk(void **state)
{
    u64_refuses("", "empty value");
    u64_refuses("-1", "must not be negative");
    u64_refuses("+1", "not a whole number");
    u64_refuses("k", "not a whole number");
    u64_refuses("18446744073709551616", "too large");
    u64_refuses("18446744074G", "too large");
    u64_refuses("5m", "trailing characters");
    u64_refuses("5kk", "trailing characters");
    u64_refuses("5T", "trailing characters");
    u64_refuses("1.5M", "not a whole number");
    u64_refuses("1e6", "not a whole number");
    u64_refuses(" 5", "unexpected spaces");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(int_accepts_plain_decimals),
        cmocka_unit_test(int_refuses_junk_and_range),
        cmocka_unit_test(pair_accepts_one_or_two),
        cmocka_unit_test(pair_refuses_malformed),
        cmocka_unit_test(double_accepts_decimals_and_fractions),
        cmocka_unit_test(double_refuses_nonfinite_and_junk),
        cmocka_unit_test(size_accepts_wxh_and_wxhxc),
        cmocka_unit_test(size_refuses_malformed),
        cmocka_unit_test(u64_accepts_suffixes),
        cmocka_unit_test(u64_refuses_sign_overflow_and_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
