/*
 * Nested lists of any rank up to 4, as Python prints them: a pasted
 * `w.tolist()` ("[[[[0.0, -1.0, 1.0], ...]]]"), torch's `tensor([[...]],
 * dtype=..., requires_grad=True)` and numpy's `array([[...]], dtype=...)`,
 * commas or blanks between values, wrapped over lines. The rank is the
 * nesting depth; every list at one depth must have the same length (torch's
 * rule for a rectangular tensor). A ragged nesting is refused at the list
 * that breaks the shape, named by its index ([1][0]) and place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel_internal.h"
#include "kernel/text_cursor.h"

/* More values than this is no kernel (16 MiB of text holds fewer anyway). */
#define MAX_VALUES ((size_t)1 << 24)
#define MAX_TOKEN 96

struct nested {
    const char *s;
    size_t len, pos;
    int line;
    size_t line_start;
    convtool_parse_error *err;

    int depth;                        /* lists open now */
    int index[KERNEL_ARRAY_MAX_RANK]; /* the item being read in each open list */
    int open_line[KERNEL_ARRAY_MAX_RANK], open_col[KERNEL_ARRAY_MAX_RANK];
    int length[KERNEL_ARRAY_MAX_RANK]; /* the length every list at that depth has; 0 unknown */
    int leaf_depth;                    /* the depth numbers sit at; 0 unknown */
    int after_comma;

    float *values;
    size_t count, cap;
};

static int col_at(const struct nested *n, size_t at)
{
    return (int)(at - n->line_start) + 1;
}

static convtool_status fail(struct nested *n, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static convtool_status fail(struct nested *n, int line, int col, const char *fmt, ...)
{
    char msg[sizeof n->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kernel_fail(n->err, line, col, "%s", msg);
}

/* "[1][0]": where the list being read sits, by its index in each outer list. */
static void where(const struct nested *n, int depth, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (int d = 0; d < depth && at < size; d++)
        at += (size_t)snprintf(out + at, size - at, "[%d]", n->index[d]);
}

/* Blanks, newlines and '#' comments (a pasted cell may carry them). */
static void skip_layout(struct nested *n)
{
    while (n->pos < n->len) {
        char c = n->s[n->pos];
        if (c == '#') {
            while (n->pos < n->len && n->s[n->pos] != '\n')
                n->pos++;
            continue;
        }
        if (c == '\n') {
            n->line++;
            n->line_start = n->pos + 1;
        } else if (!is_space((unsigned char)c)) {
            return;
        }
        n->pos++;
    }
}

static int starts_with(const struct nested *n, const char *word)
{
    size_t k = strlen(word);
    return n->len - n->pos >= k && memcmp(n->s + n->pos, word, k) == 0;
}

/*
 * torch prints "Parameter containing:" above a layer's weight, and names the
 * constructor: tensor(, torch.tensor(, array(, np.array(, numpy.array(.
 * Moves past it and returns 1 when there is one.
 */
static int skip_constructor(struct nested *n)
{
    static const char *const prefixes[] = {"torch.tensor(", "tensor(", "numpy.array(",
                                           "np.array(", "array("};
    if (starts_with(n, "Parameter containing:")) {
        n->pos += strlen("Parameter containing:");
        skip_layout(n);
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts_with(n, prefixes[i])) {
            n->pos += strlen(prefixes[i]);
            skip_layout(n);
            return 1;
        }
    return 0;
}

static convtool_status push(struct nested *n, float v, int col)
{
    if (n->count == MAX_VALUES)
        return fail(n, n->line, col, "more than %zu values", MAX_VALUES);
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 256;
        float *grown = realloc(n->values, cap * sizeof *grown);
        if (!grown)
            return CONVTOOL_ENOMEM;
        n->values = grown;
        n->cap = cap;
    }
    n->values[n->count++] = v;
    return CONVTOOL_OK;
}

/* Numbers sit at one depth only: [[1, 2], 3] and [1, [2, 3]] mix them with lists. */
static convtool_status check_leaf(struct nested *n, int is_number, int col)
{
    char at[64];
    where(n, n->depth, at, sizeof at);
    if (is_number && n->leaf_depth == 0)
        n->leaf_depth = n->depth;
    if (is_number && n->depth != n->leaf_depth)
        return fail(n, n->line, col,
                    "the value at %s is a number, but the numbers before it sit %d lists deep: "
                    "the nesting is ragged",
                    at, n->leaf_depth);
    if (!is_number && n->leaf_depth && n->depth >= n->leaf_depth)
        return fail(n, n->line, col,
                    "the item at %s is a list, but the items before it at that depth are "
                    "numbers: the nesting is ragged",
                    at);
    return CONVTOOL_OK;
}

static convtool_status read_number(struct nested *n)
{
    size_t start = n->pos;
    int col = col_at(n, start);
    while (n->pos < n->len && !is_space((unsigned char)n->s[n->pos]) &&
           !strchr(",[]()#", n->s[n->pos]))
        n->pos++;
    size_t len = n->pos - start;
    if (len >= 3 && memcmp(n->s + start, "...", 3) == 0)
        return fail(n, n->line, col,
                    "\"...\": the tensor was printed in short; print it whole "
                    "(torch.set_printoptions(profile='full')) or pass it as .npy (np.save)");
    if (n->depth == 0)
        return fail(n, n->line, col, "a value outside the brackets");
    convtool_status st = check_leaf(n, 1, col);
    if (st != CONVTOOL_OK)
        return st;
    double v;
    char why[160];
    if (kernel_number(n->s + start, len < MAX_TOKEN ? len : MAX_TOKEN, &v, why, sizeof why) !=
        CONVTOOL_OK)
        return fail(n, n->line, col, "%s", why);
    n->after_comma = 0;
    n->index[n->depth - 1]++;
    return push(n, (float)v, col);
}

static convtool_status open_list(struct nested *n)
{
    int col = col_at(n, n->pos);
    if (n->depth == KERNEL_ARRAY_MAX_RANK)
        return fail(n, n->line, col,
                    "lists nested more than %d deep (a weight is 4-D: out channels, in channels "
                    "per group, height, width)",
                    KERNEL_ARRAY_MAX_RANK);
    if (n->depth > 0) {
        convtool_status st = check_leaf(n, 0, col);
        if (st != CONVTOOL_OK)
            return st;
    }
    n->open_line[n->depth] = n->line;
    n->open_col[n->depth] = col;
    n->index[n->depth] = 0;
    n->depth++;
    n->after_comma = 0;
    n->pos++;
    return CONVTOOL_OK;
}

/* A closed list's length must be that of every list at its depth. */
static convtool_status close_list(struct nested *n)
{
    int d = n->depth - 1, items = n->index[d];
    char at[64];
    where(n, d, at, sizeof at);
    if (items == 0)
        return fail(n, n->open_line[d], n->open_col[d], "list %s is empty", at[0] ? at : "[]");
    if (n->length[d] == 0)
        n->length[d] = items;
    else if (items != n->length[d])
        return fail(n, n->open_line[d], n->open_col[d],
                    "list %s has %d item%s but the lists before it at that depth have %d: the "
                    "nesting is ragged",
                    at, items, items == 1 ? "" : "s", n->length[d]);
    n->depth--;
    n->pos++;
    n->after_comma = 0;
    if (n->depth > 0)
        n->index[n->depth - 1]++;
    return CONVTOOL_OK;
}

static convtool_status comma(struct nested *n)
{
    if (n->after_comma || n->depth == 0 || n->index[n->depth - 1] == 0)
        return fail(n, n->line, col_at(n, n->pos), "a comma with no value before it");
    n->after_comma = 1;
    n->pos++;
    return CONVTOOL_OK;
}

/* The lists, from the first '[' to its ']'. */
static convtool_status read_lists(struct nested *n)
{
    convtool_status st = open_list(n);
    while (st == CONVTOOL_OK && n->depth > 0) {
        skip_layout(n);
        if (n->pos == n->len)
            return fail(n, n->open_line[n->depth - 1], n->open_col[n->depth - 1],
                        "\"[\" is never closed");
        char c = n->s[n->pos];
        st = c == '['   ? open_list(n)
             : c == ']' ? close_list(n)
             : c == ',' ? comma(n)
                        : read_number(n);
    }
    return st;
}

/* After tensor([...]: ", dtype=torch.float64, requires_grad=True)" and the like. */
static convtool_status read_tail(struct nested *n, int wrapped)
{
    skip_layout(n);
    if (wrapped) {
        size_t close = n->len;
        while (close > n->pos && is_space((unsigned char)n->s[close - 1]))
            close--;
        if (close == n->pos || n->s[close - 1] != ')' ||
            (n->s[n->pos] != ',' && n->s[n->pos] != ')'))
            return fail(n, n->line, col_at(n, n->pos),
                        "expected \")\" or \", dtype=...)\" after the lists");
        n->pos = n->len;
        return CONVTOOL_OK;
    }
    if (n->pos < n->len)
        return fail(n, n->line, col_at(n, n->pos),
                    "text after the lists' last \"]\" (several arrays? give each its own -k)");
    return CONVTOOL_OK;
}

int kernel_text_is_array(const char *text, size_t len)
{
    struct nested n = {.s = text, .len = len, .line = 1};
    int opened = 0;
    skip_layout(&n);
    if (skip_constructor(&n))
        return 1;
    /* "[ [ [" with layout between is as deep as "[[[" */
    while (n.pos < n.len && n.s[n.pos] == '[') {
        opened++;
        n.pos++;
        skip_layout(&n);
    }
    return opened >= 3;
}

static convtool_status fill_shape(struct nested *n, struct kernel_array *a)
{
    a->rank = n->leaf_depth;
    size_t total = 1;
    for (int d = 0; d < a->rank; d++) {
        a->shape[d] = n->length[d];
        total *= (size_t)n->length[d];
    }
    if (total != n->count) /* the per-depth lengths make every nesting rectangular */
        return fail(n, n->line, col_at(n, n->pos), "the lists do not form an array");
    a->values = n->values;
    n->values = NULL;
    return CONVTOOL_OK;
}

convtool_status kernel_read_array(const char *text, size_t len, struct kernel_array *a,
                                  convtool_parse_error *err)
{
    struct nested n = {.s = text ? text : "", .len = text ? len : 0, .line = 1, .err = err};
    memset(a, 0, sizeof *a);
    if (err)
        memset(err, 0, sizeof *err);
    if (memchr(n.s, '\0', n.len))
        return fail(&n, 1, 1, "NUL byte in kernel text");
    if (n.len >= 3 && memcmp(n.s, "\xEF\xBB\xBF", 3) == 0)
        n.pos = n.line_start = 3;
    skip_layout(&n);
    int wrapped = skip_constructor(&n);
    convtool_status st = CONVTOOL_OK;
    if (n.pos == n.len || n.s[n.pos] != '[')
        st = fail(&n, n.line, col_at(&n, n.pos), "expected \"[\" to start the lists");
    if (st == CONVTOOL_OK)
        st = read_lists(&n);
    if (st == CONVTOOL_OK)
        st = read_tail(&n, wrapped);
    if (st == CONVTOOL_OK)
        st = fill_shape(&n, a);
    free(n.values);
    return st;
}

void kernel_array_free(struct kernel_array *a)
{
    free(a->values);
    memset(a, 0, sizeof *a);
}
