/*
 * The kernel text format (kernels/FORMAT.md): rows of numbers, `#` comments,
 * `key: value` directives and numpy-style nested lists. Every error says
 * where (line and byte column, from 1) and quotes what it could not read.
 * This is the parser of one section; kernel_load.c splits banks at `---`.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"
#include "kernel/text_cursor.h"

#define MAX_TAPS ((size_t)CONVTOOL_KERNEL_MAX_SIDE * CONVTOOL_KERNEL_MAX_SIDE)
#define MAX_DEPTH 2       /* rows in a list; deeper lists are read by kernel_nested.c */
#define MAX_NUMBER_LEN 96 /* longer tokens are refused rather than copied */
#define QUOTE_MAX 40      /* bytes of a bad token shown in a message */

struct parser {
    const char *text;
    size_t len, pos;
    int line;
    size_t line_start; /* offset of the current line's first byte */
    int line_has_token;
    int after_comma;

    int depth;
    int open_line[MAX_DEPTH], open_col[MAX_DEPTH];

    float *values;
    size_t count, cap;
    int rows, cols; /* complete rows, width of the first row */
    int row_count;  /* values in the row being read */
    int row_line, row_col;

    double scale, offset;
    int seen[5]; /* per directive, in the order of directive_keys */
    char description[CONVTOOL_DESCRIPTION_MAX];

    struct kernel_section *sec; /* the kind of section, and where name/combine go */
    convtool_parse_error *err;
};

/*
 * Locale-free character classes (text_cursor.h): the format is ASCII whatever
 * LC_CTYPE says. '_' counts as a letter in directive keys and names.
 */
static int is_letter(int c)
{
    return is_alpha(c) || c == '_';
}

static int is_delimiter(int c)
{
    return is_blank(c) || c == '\n' || c == ',' || c == ';' || c == '[' || c == ']' || c == '#';
}

static int column_of(const struct parser *p, size_t at)
{
    return (int)(at - p->line_start) + 1;
}

static convtool_status fail_at(struct parser *p, int line, int column, const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        p->err->line = line;
        p->err->column = column;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
    }
    return CONVTOOL_EPARSE;
}

/*
 * Copies a token into `out` for a message, escaping bytes that could upset a
 * terminal and cutting long tokens short.
 */
static void quote(char *out, size_t size, const char *tok, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < size; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (i == QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

/* Length of the decimal number at s (sign, digits, fraction, exponent), 0 if none. */
static size_t scan_decimal(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && is_digit(s[i]); i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && is_digit(s[j])) {
            while (j < n && is_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/*
 * Converts a token already checked by scan_decimal. strtod follows
 * LC_NUMERIC, so the '.' becomes the locale's decimal point first.
 */
static double to_double(const char *s, size_t n)
{
    char buf[MAX_NUMBER_LEN + 8];
    const char *point = localeconv()->decimal_point;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && point && point[0] && point[1] == '\0')
            buf[o++] = point[0];
        else
            buf[o++] = s[i];
    }
    buf[o] = '\0';
    return strtod(buf, NULL);
}

static int is_word(const char *s, size_t n, const char *word)
{
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        s++;
        n--;
    }
    if (n != strlen(word))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (kernel_ascii_lower((unsigned char)s[i]) != word[i])
            return 0;
    return 1;
}

/* Why a token is not a number, as a suffix to `cannot read "..." as a number`. */
static const char *hint_for(const char *s, size_t n)
{
    if (is_word(s, n, "nan") || is_word(s, n, "inf") || is_word(s, n, "infinity"))
        return " (nan and infinity are not allowed)";
    size_t i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (n > i + 1 && s[i] == '0' && kernel_ascii_lower((unsigned char)s[i + 1]) == 'x')
        return " (hexadecimal is not allowed)";
    return "";
}

/* Parses one value token: a decimal number or a fraction A/B. */
static convtool_status parse_number(struct parser *p, const char *tok, size_t n, int column,
                                    double *out)
{
    char q[QUOTE_MAX * 4 + 8];
    quote(q, sizeof q, tok, n);
    if (n > MAX_NUMBER_LEN)
        return fail_at(p, p->line, column, "number \"%s\" is too long", q);
    const char *slash = memchr(tok, '/', n);
    size_t a_len = slash ? (size_t)(slash - tok) : n;
    size_t b_len = slash ? n - a_len - 1 : 0;
    if (scan_decimal(tok, a_len) != a_len || a_len == 0 ||
        (slash && (b_len == 0 || scan_decimal(slash + 1, b_len) != b_len)))
        return fail_at(p, p->line, column, "cannot read \"%s\" as a number%s", q, hint_for(tok, n));
    double v = to_double(tok, a_len);
    if (slash) {
        double d = to_double(slash + 1, b_len);
        if (isfinite(v) && isfinite(d) && d == 0)
            return fail_at(p, p->line, column, "division by zero in \"%s\"", q);
        v = v / d;
    }
    if (!isfinite(v) || fabs(v) > FLT_MAX)
        return fail_at(p, p->line, column, "\"%s\" is too large for a float", q);
    *out = v;
    return CONVTOOL_OK;
}

static convtool_status end_row(struct parser *p)
{
    if (p->row_count == 0)
        return CONVTOOL_OK; /* blank lines, `;;` and `[]` add nothing */
    p->rows++;
    if (p->rows == 1)
        p->cols = p->row_count;
    else if (p->row_count != p->cols)
        return fail_at(p, p->row_line, p->row_col, "row %d has %d value%s but row 1 has %d",
                       p->rows, p->row_count, p->row_count == 1 ? "" : "s", p->cols);
    p->row_count = 0;
    return CONVTOOL_OK;
}

static convtool_status push_value(struct parser *p, float v, int column)
{
    if (p->sec->kind == KERNEL_SECTION_HEADER)
        return fail_at(p, p->line, column,
                       "a value before the first \"---\" line: a kernel bank starts with its "
                       "description and combine, and each kernel follows a --- line");
    if (p->row_count == 0) {
        if (p->rows >= CONVTOOL_KERNEL_MAX_SIDE)
            return fail_at(p, p->line, column, "more than %d rows", CONVTOOL_KERNEL_MAX_SIDE);
        p->row_line = p->line;
        p->row_col = column;
    }
    if (p->row_count >= CONVTOOL_KERNEL_MAX_SIDE)
        return fail_at(p, p->line, column, "row %d has more than %d values", p->rows + 1,
                       CONVTOOL_KERNEL_MAX_SIDE);
    if (p->count == p->cap) {
        /* Both sides are capped at MAX_SIDE above, so cap never exceeds MAX_TAPS. */
        size_t cap = p->cap ? p->cap * 2 : 64;
        if (cap > MAX_TAPS)
            cap = MAX_TAPS;
        if (cap <= p->count)
            return fail_at(p, p->line, column, "more than %zu values", MAX_TAPS);
        float *grown = realloc(p->values, cap * sizeof *grown);
        if (!grown)
            return CONVTOOL_ENOMEM;
        p->values = grown;
        p->cap = cap;
    }
    p->values[p->count++] = v;
    p->row_count++;
    return CONVTOOL_OK;
}

static convtool_status read_value(struct parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && !is_delimiter((unsigned char)p->text[p->pos]))
        p->pos++;
    double v;
    int column = column_of(p, start);
    convtool_status st = parse_number(p, p->text + start, p->pos - start, column, &v);
    if (st != CONVTOOL_OK)
        return st;
    p->after_comma = 0;
    return push_value(p, (float)v, column);
}

/* Copies a description, cut on a UTF-8 character boundary if it is too long. */
static void set_description(struct parser *p, const char *s, size_t n)
{
    size_t max = sizeof p->description - 1;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(p->description, s, n);
    p->description[n] = '\0';
}

/* Reads the number of a `scale` or `offset` directive: one token, nothing after it. */
static convtool_status directive_number(struct parser *p, const char *key, size_t start, size_t end,
                                        double *out)
{
    size_t tok_end = start;
    while (tok_end < end && !is_blank((unsigned char)p->text[tok_end]))
        tok_end++;
    if (tok_end == start)
        return fail_at(p, p->line, column_of(p, start), "directive \"%s\" needs a number", key);
    convtool_status st =
        parse_number(p, p->text + start, tok_end - start, column_of(p, start), out);
    if (st != CONVTOOL_OK)
        return st;
    size_t rest = tok_end;
    while (rest < end && is_blank((unsigned char)p->text[rest]))
        rest++;
    if (rest < end) {
        char q[QUOTE_MAX * 4 + 8];
        quote(q, sizeof q, p->text + rest, end - rest);
        return fail_at(p, p->line, column_of(p, rest), "unexpected \"%s\" after the %s value", q,
                       key);
    }
    return CONVTOOL_OK;
}

enum { KEY_DESCRIPTION, KEY_SCALE, KEY_OFFSET, KEY_NAME, KEY_COMBINE, KEY_COUNT };
static const char *const directive_keys[KEY_COUNT] = {"description", "scale", "offset", "name",
                                                      "combine"};

/* A bank's header names its default combine; each of its kernels may have a name. */
static int key_allowed(const struct parser *p, int key)
{
    switch (p->sec->kind) {
    case KERNEL_SECTION_HEADER:
        return key == KEY_DESCRIPTION || key == KEY_COMBINE;
    case KERNEL_SECTION_MEMBER:
        return key != KEY_COMBINE;
    default:
        return key <= KEY_OFFSET;
    }
}

static const char *known_keys(const struct parser *p)
{
    switch (p->sec->kind) {
    case KERNEL_SECTION_HEADER:
        return "description, combine; kernels follow --- lines";
    case KERNEL_SECTION_MEMBER:
        return "name, description, scale, offset";
    default:
        return "description, scale, offset";
    }
}

/* Names become output suffixes (OUTPUT-NAME.png): keep them to safe file-name bytes. */
static convtool_status set_name(struct parser *p, int column, size_t start, size_t end)
{
    const char *s = p->text;
    char q[QUOTE_MAX * 4 + 8];
    quote(q, sizeof q, s + start, end - start);
    if (end == start)
        return fail_at(p, p->line, column, "directive \"name\" needs a name");
    if (end - start >= sizeof p->sec->name)
        return fail_at(p, p->line, column_of(p, start), "name \"%s\" is longer than %zu bytes", q,
                       sizeof p->sec->name - 1);
    for (size_t i = start; i < end; i++)
        if (!is_letter((unsigned char)s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '.')
            return fail_at(p, p->line, column_of(p, i),
                           "name \"%s\" may hold only letters, digits, '_', '-' and '.'", q);
    memcpy(p->sec->name, s + start, end - start);
    p->sec->name[end - start] = '\0';
    return CONVTOOL_OK;
}

static convtool_status set_combine(struct parser *p, int column, size_t start, size_t end)
{
    char word[16], q[QUOTE_MAX * 4 + 8];
    size_t n = end - start;
    quote(q, sizeof q, p->text + start, n);
    if (n == 0)
        return fail_at(p, p->line, column, "directive \"combine\" needs a mode");
    if (n < sizeof word) {
        memcpy(word, p->text + start, n);
        word[n] = '\0';
        if (convtool_combine_parse(word, &p->sec->combine) == CONVTOOL_OK) {
            p->sec->has_combine = 1;
            return CONVTOOL_OK;
        }
    }
    return fail_at(p, p->line, column_of(p, start),
                   "unknown combine \"%s\" (separate, magnitude, max, sum, stack)", q);
}

static convtool_status apply_directive(struct parser *p, int key, int key_col, size_t start,
                                       size_t end)
{
    const char *name = directive_keys[key];
    if (p->seen[key])
        return fail_at(p, p->line, key_col, "duplicate directive \"%s\"", name);
    p->seen[key] = 1;
    switch (key) {
    case KEY_DESCRIPTION:
        set_description(p, p->text + start, end - start);
        return CONVTOOL_OK;
    case KEY_NAME:
        return set_name(p, key_col, start, end);
    case KEY_COMBINE:
        return set_combine(p, key_col, start, end);
    }
    return directive_number(p, name, start, end, key == KEY_SCALE ? &p->scale : &p->offset);
}

/*
 * A line that starts with a word may be a directive: `key: value`, the colon
 * optional for known keys. Sets *handled to 0 (and moves nothing) when the
 * word is not a directive, so it is read as a (bad) value instead.
 */
static convtool_status directive(struct parser *p, int *handled)
{
    const char *s = p->text;
    size_t key_start = p->pos, key_end = p->pos;
    while (key_end < p->len &&
           (is_letter((unsigned char)s[key_end]) || is_digit(s[key_end]) || s[key_end] == '-'))
        key_end++;
    size_t after = key_end;
    while (after < p->len && is_blank((unsigned char)s[after]))
        after++;
    int colon = after < p->len && s[after] == ':';
    int known = -1;
    for (int i = 0; i < KEY_COUNT; i++)
        if (key_allowed(p, i) && is_word(s + key_start, key_end - key_start, directive_keys[i]))
            known = i;
    int key_col = column_of(p, key_start);
    *handled = 0;
    if (known < 0 && !colon)
        return CONVTOOL_OK;
    if (!colon && key_end < p->len && !is_blank((unsigned char)s[key_end]) && s[key_end] != '\n' &&
        s[key_end] != '#')
        return CONVTOOL_OK; /* "scale=2": not a directive */
    *handled = 1;
    if (known < 0) {
        char q[QUOTE_MAX * 4 + 8];
        quote(q, sizeof q, s + key_start, key_end - key_start);
        return fail_at(p, p->line, key_col, "unknown directive \"%s\" (known: %s)", q,
                       known_keys(p));
    }
    size_t start = colon ? after + 1 : key_end, end = start;
    while (end < p->len && s[end] != '\n' && s[end] != '#')
        end++;
    p->pos = end;
    while (start < end && is_blank((unsigned char)s[start]))
        start++;
    while (end > start && is_blank((unsigned char)s[end - 1]))
        end--;
    return apply_directive(p, known, key_col, start, end);
}

static convtool_status open_bracket(struct parser *p)
{
    int column = column_of(p, p->pos);
    if (p->row_count > 0)
        return fail_at(p, p->line, column, "unexpected \"[\" in the middle of a row");
    /* Three levels are a bank or a weight (kernel_nested.c); here only after directives. */
    if (p->depth == 2)
        return fail_at(p, p->line, column,
                       "lists nested 3 deep are a bank of kernels (4 deep a weight): give them "
                       "without directives, or one kernel per --- section");
    p->open_line[p->depth] = p->line;
    p->open_col[p->depth] = column;
    p->depth++;
    p->pos++;
    return CONVTOOL_OK;
}

static convtool_status close_bracket(struct parser *p)
{
    if (p->depth == 0)
        return fail_at(p, p->line, column_of(p, p->pos), "\"]\" without a matching \"[\"");
    p->depth--;
    p->pos++;
    p->after_comma = 0;
    return end_row(p);
}

static int is_digit_at(const struct parser *p, size_t i)
{
    return i < p->len && p->text[i] >= '0' && p->text[i] <= '9';
}

/* Whether the row around pos also separates values by blanks alone ("0,25 0,5"). */
static int row_has_blank_separator(const struct parser *p, size_t pos)
{
    size_t start = pos, end = pos;
    while (start > 0 && p->text[start - 1] != '\n' && p->text[start - 1] != ';')
        start--;
    while (end < p->len && p->text[end] != '\n' && p->text[end] != ';')
        end++;
    for (size_t i = start; i < end; i++) {
        if (!is_blank((unsigned char)p->text[i]))
            continue;
        size_t j = i;
        while (j < end && is_blank((unsigned char)p->text[j]))
            j++;
        int before = i > start && p->text[i - 1] != ',' && p->text[i - 1] != '[';
        int after = j < end && p->text[j] != ',' && p->text[j] != '#' && p->text[j] != ']';
        if (before && after)
            return 1;
        i = j;
    }
    return 0;
}

static convtool_status comma(struct parser *p)
{
    /* "1,,2" most likely lost a value: say so rather than guess. */
    if (p->after_comma)
        return fail_at(p, p->line, column_of(p, p->pos), "empty value between commas");
    /* "0,25 0,5": commas inside numbers and blanks between them is a decimal comma. */
    if (p->depth == 0 && p->pos > 0 && is_digit_at(p, p->pos - 1) && is_digit_at(p, p->pos + 1) &&
        row_has_blank_separator(p, p->pos))
        return fail_at(p, p->line, column_of(p, p->pos),
                       "a decimal comma? write decimals with '.' (values are separated by "
                       "blanks or commas)");
    p->after_comma = 1;
    p->pos++;
    return CONVTOOL_OK;
}

static void newline(struct parser *p)
{
    p->pos++;
    p->line++;
    p->line_start = p->pos;
    p->line_has_token = 0;
}

/* One step of the main loop: consumes at least one byte or fails. */
static convtool_status step(struct parser *p)
{
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c == '\n') {
        newline(p);
        /* Inside brackets a newline is layout (numpy wraps long rows). */
        if (p->depth > 0)
            return CONVTOOL_OK;
        p->after_comma = 0;
        return end_row(p);
    }
    if (is_blank(c)) {
        p->pos++;
        return CONVTOOL_OK;
    }
    if (c == '#') {
        while (p->pos < p->len && p->text[p->pos] != '\n')
            p->pos++;
        return CONVTOOL_OK;
    }
    int first = !p->line_has_token;
    p->line_has_token = 1;
    switch (c) {
    case ',':
        return comma(p);
    case ';':
        p->pos++;
        p->after_comma = 0;
        return end_row(p);
    case '[':
        return open_bracket(p);
    case ']':
        return close_bracket(p);
    }
    if (first && p->depth == 0 && is_letter(c)) {
        int handled;
        convtool_status st = directive(p, &handled);
        if (st != CONVTOOL_OK || handled)
            return st;
    }
    return read_value(p);
}

/* NUL bytes are refused up front so the rest of the parser can ignore them. */
static convtool_status check_nul(struct parser *p)
{
    const char *nul = memchr(p->text + p->pos, '\0', p->len - p->pos);
    if (!nul)
        return CONVTOOL_OK;
    int line = p->line;
    size_t line_start = p->line_start;
    for (size_t i = p->pos; p->text + i < nul; i++)
        if (p->text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    return fail_at(p, line, (int)((size_t)(nul - p->text) - line_start) + 1,
                   "NUL byte in kernel text");
}

static convtool_status run(struct parser *p)
{
    /* A UTF-8 BOM from Windows editors is not part of the text; columns start after it. */
    if (p->len >= 3 && memcmp(p->text, "\xEF\xBB\xBF", 3) == 0) {
        p->pos = 3;
        p->line_start = 3;
    }
    convtool_status st = check_nul(p);
    while (st == CONVTOOL_OK && p->pos < p->len)
        st = step(p);
    if (st != CONVTOOL_OK)
        return st;
    if (p->depth > 0)
        return fail_at(p, p->open_line[p->depth - 1], p->open_col[p->depth - 1],
                       "\"[\" is never closed");
    st = end_row(p);
    if (st != CONVTOOL_OK)
        return st;
    if (p->count == 0 && p->sec->kind != KERNEL_SECTION_HEADER)
        return fail_at(p, p->line, column_of(p, p->pos), "no kernel values");
    return CONVTOOL_OK;
}

convtool_status kernel_parse_section(const char *text, size_t len, struct kernel_section *sec,
                                     convtool_kernel *k, convtool_parse_error *err)
{
    struct parser p = {
        .text = text, .len = len, .line = sec->first_line, .scale = 1.0, .sec = sec, .err = err};
    memset(k, 0, sizeof *k);
    if (err)
        memset(err, 0, sizeof *err);
    sec->name[0] = '\0';
    sec->has_combine = 0;
    if (!text && len > 0)
        return CONVTOOL_EINVAL;
    if (!text)
        p.text = "";
    convtool_status st = run(&p);
    if (st != CONVTOOL_OK)
        goto cleanup;
    k->h = p.rows;
    k->w = p.cols;
    k->values = p.values;
    p.values = NULL; /* ownership moves to k */
    k->scale = p.scale;
    k->offset = p.offset;
    memcpy(k->description, p.description, sizeof k->description);
cleanup:
    free(p.values);
    return st;
}

/* A number token with a throwaway parser, for the formats of other tools. */
convtool_status kernel_number(const char *tok, size_t n, double *out, char *why, size_t why_size)
{
    convtool_parse_error e = {0};
    struct kernel_section sec = {.kind = KERNEL_SECTION_PLAIN, .first_line = 1};
    struct parser p = {.text = tok, .len = n, .line = 1, .sec = &sec, .err = &e};
    convtool_status st = parse_number(&p, tok, n, 1, out);
    if (st != CONVTOOL_OK && why && why_size)
        snprintf(why, why_size, "%s", e.message);
    return st;
}
