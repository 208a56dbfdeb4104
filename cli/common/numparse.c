/*
 * Strict number parsing for the CLI (after zstd's readU32FromCharChecked):
 * no silent wrap of "-1", no trailing junk, no hex or octal, no inf or nan.
 * The character checks come first so strtol/strtod only ever see text that
 * is a plain decimal number.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/numparse.h"

#define EXPECTED_PAIR "expected N or A,B"
#define EXPECTED_SIZE "expected WxH or WxHxC"

/* Reasons that carry numbers; valid until the next call (the CLI is single-threaded here). */
static char range_text[64];
static char part_text[96];

static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -1;
}

static const char *range_reason(long min, long max)
{
    snprintf(range_text, sizeof range_text, "out of range %ld..%ld", min, max);
    return range_text;
}

/* Problems every parser reports the same way. */
static const char *outer_problem(const char *text)
{
    if (!text || !*text)
        return "empty value";
    if (isspace((unsigned char)text[0]) || isspace((unsigned char)text[strlen(text) - 1]))
        return "unexpected spaces";
    return NULL;
}

static int is_digit(char ch)
{
    return isdigit((unsigned char)ch) != 0;
}

/* Copies text[0..len) into buf as a string; 0 if it does not fit. */
static int copy_part(const char *text, size_t len, char *buf, size_t cap)
{
    if (len >= cap)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return 1;
}

int parse_int_range(const char *text, long min, long max, int *out, const char **why)
{
    const char *problem = outer_problem(text);
    if (problem)
        return refuse(why, problem);

    const char *p = text + (text[0] == '-');
    if (!is_digit(*p))
        return refuse(why, "not a whole number");
    while (is_digit(*p))
        p++;
    if (*p == '.' || *p == 'e' || *p == 'E' || *p == '/')
        return refuse(why, "not a whole number");
    if (*p)
        return refuse(why, "trailing characters");

    errno = 0;
    long v = strtol(text, NULL, 10);
    if (v < 0 && min >= 0)
        return refuse(why, "must not be negative");
    if (errno == ERANGE || v < min || v > max)
        return refuse(why, range_reason(min, max));
    *out = (int)v;
    return 0;
}

int parse_int_pair(const char *text, long min, long max, int *a, int *b, const char **why)
{
    const char *problem = outer_problem(text);
    if (problem)
        return refuse(why, problem);

    const char *comma = strchr(text, ',');
    int first, second;
    if (!comma) {
        if (parse_int_range(text, min, max, &first, why) != 0)
            return -1;
        *a = *b = first;
        return 0;
    }

    char part[32];
    size_t len = (size_t)(comma - text);
    if (len == 0 || comma[1] == '\0')
        return refuse(why, EXPECTED_PAIR);
    if (!copy_part(text, len, part, sizeof part))
        return refuse(why, range_reason(min, max));
    if (parse_int_range(part, min, max, &first, why) != 0 ||
        parse_int_range(comma + 1, min, max, &second, why) != 0)
        return -1;
    *a = first;
    *b = second;
    return 0;
}

/* One decimal number at s; *end is where it stops. Refuses hex, inf and nan. */
static int parse_decimal(const char *s, const char **end, double *out, const char **why)
{
    const char *p = s + (*s == '+' || *s == '-');

    if (strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0)
        return refuse(why, "not a finite number");
    if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
        return refuse(why, "not a number");
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return refuse(why, "not a decimal number");

    char *stop;
    double v = strtod(s, &stop);
    /* Underflow to 0 or a subnormal is fine; overflow to ±HUGE_VAL is not. */
    if (!isfinite(v))
        return refuse(why, "out of range");
    *end = stop;
    *out = v;
    return 0;
}

int parse_double_finite(const char *text, double *out, const char **why)
{
    const char *problem = outer_problem(text);
    if (problem)
        return refuse(why, problem);

    const char *end;
    double num, den;
    if (parse_decimal(text, &end, &num, why) != 0)
        return -1;
    if (*end == '\0') {
        *out = num;
        return 0;
    }
    if (*end != '/')
        return refuse(why, "trailing characters");
    if (parse_decimal(end + 1, &end, &den, why) != 0)
        return -1;
    if (*end)
        return refuse(why, "trailing characters");
    if (den == 0)
        return refuse(why, "division by zero");
    if (!isfinite(num / den))
        return refuse(why, "out of range");
    *out = num / den;
    return 0;
}

/* One side of a WxHxC size, named in the reason. */
static int parse_dimension(const char *text, size_t len, const char *name, long max, int *out,
                           const char **why)
{
    char part[32];
    const char *inner;

    if (len == 0)
        return refuse(why, EXPECTED_SIZE);
    if (!copy_part(text, len, part, sizeof part))
        inner = range_reason(1, max);
    else if (parse_int_range(part, 1, max, out, &inner) == 0)
        return 0;
    snprintf(part_text, sizeof part_text, "%s: %s", name, inner);
    return refuse(why, part_text);
}

int parse_size_wxh(const char *text, int *w, int *h, int *c, const char **why)
{
    static const char *const names[3] = {"width", "height", "channels"};
    static const long maxes[3] = {NUMPARSE_MAX_SIDE, NUMPARSE_MAX_SIDE, NUMPARSE_MAX_CHANNELS};
    const char *problem = outer_problem(text);
    int values[3] = {0, 0, 0};
    int parts = c ? 3 : 2;
    int n = 0;

    if (problem)
        return refuse(why, problem);
    for (const char *start = text;; n++) {
        size_t len = strcspn(start, "xX");
        if (n == parts)
            return refuse(why, EXPECTED_SIZE);
        if (parse_dimension(start, len, names[n], maxes[n], &values[n], why) != 0)
            return -1;
        if (start[len] == '\0')
            break;
        start += len + 1;
    }
    if (n < 1)
        return refuse(why, EXPECTED_SIZE);
    *w = values[0];
    *h = values[1];
    if (c)
        *c = values[2];
    return 0;
}

static uint64_t suffix_multiplier(char suffix)
{
    switch (suffix) {
    case '\0':
        return 1;
    case 'k':
    case 'K':
        return 1000;
    case 'M':
        return 1000000;
    case 'G':
        return 1000000000;
    default:
        return 0;
    }
}

int parse_u64(const char *text, uint64_t *out, const char **why)
{
    const char *problem = outer_problem(text);
    if (problem)
        return refuse(why, problem);
    if (text[0] == '-')
        return refuse(why, "must not be negative");
    if (!is_digit(text[0]))
        return refuse(why, "not a whole number");

    const char *p = text;
    uint64_t v = 0;
    for (; is_digit(*p); p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return refuse(why, "too large");
        v = v * 10 + digit;
    }
    if (*p == '.' || *p == 'e' || *p == 'E')
        return refuse(why, "not a whole number");
    uint64_t mult = suffix_multiplier(*p);
    if (mult == 0 || (*p && p[1]))
        return refuse(why, "trailing characters");
    if (v > UINT64_MAX / mult)
        return refuse(why, "too large");
    *out = v * mult;
    return 0;
}
