/*
 * ImageMagick kernel strings: "WxH[+X+Y][@<>]: values", several separated by
 * ';'. Read as ImageMagick's ParseKernelArray reads them, with convtool's
 * number rules; 'nan' and '-' taps become 0 and other origins are met by
 * padding (kernels/FORMAT.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"
#include "kernel/text_cursor.h"

#define WHY_MAX 120

/*
 * One ImageMagick kernel while it is read and rotated: NaN marks a tap that
 * is "not part of the kernel", kept until the end because IM compares
 * rotations with it; (x, y) is the origin (+X+Y).
 */
struct im_kernel {
    int w, h, x, y;
    double *v;
};

#define IM_MAX_ROTATIONS 8

static int im_geometry_end(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == '@' || s[i] == '<' || s[i] == '>'))
        i++;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < len && s[i] == ':';
}

/* "WxH[+X+Y][@<>]:" after optional white space and ';'. */
int kernel_looks_imagemagick(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (is_space((unsigned char)s[i]) || s[i] == ';'))
        i++;
    if (i >= len || !is_digit(s[i]))
        return 0;
    while (i < len && is_digit(s[i]))
        i++;
    /* The bare "3:" of ImageMagick is left out: "1:2" has always been a bad number here. */
    if (i >= len || (s[i] != 'x' && s[i] != 'X'))
        return 0;
    if (++i >= len || !is_digit(s[i]))
        return 0;
    while (i < len && is_digit(s[i]))
        i++;
    for (int part = 0; part < 2 && i < len && (s[i] == '+' || s[i] == '-'); part++) {
        if (++i >= len || !is_digit(s[i]))
            return 0;
        while (i < len && is_digit(s[i]))
            i++;
    }
    return im_geometry_end(s, len, i);
}

static void im_free(struct im_kernel *k)
{
    free(k->v);
    memset(k, 0, sizeof *k);
}

static convtool_status im_alloc(struct im_kernel *k, int w, int h)
{
    k->v = malloc((size_t)w * (size_t)h * sizeof *k->v); /* sides are at most 1024 */
    if (!k->v)
        return CONVTOOL_ENOMEM;
    k->w = w;
    k->h = h;
    return CONVTOOL_OK;
}

/* 90° clockwise, as ImageMagick's '>' turns a kernel: the origin turns with it. */
static convtool_status im_rot90(const struct im_kernel *a, struct im_kernel *b)
{
    if (im_alloc(b, a->h, a->w) != CONVTOOL_OK)
        return CONVTOOL_ENOMEM;
    for (int r = 0; r < b->h; r++)
        for (int c = 0; c < b->w; c++)
            b->v[r * b->w + c] = a->v[(a->h - 1 - c) * a->w + r];
    b->x = a->h - 1 - a->y;
    b->y = a->x;
    return CONVTOOL_OK;
}

static convtool_status im_rot180(const struct im_kernel *a, struct im_kernel *b)
{
    size_t n = (size_t)a->w * (size_t)a->h;
    if (im_alloc(b, a->w, a->h) != CONVTOOL_OK)
        return CONVTOOL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        b->v[i] = a->v[n - 1 - i];
    b->x = a->w - 1 - a->x;
    b->y = a->h - 1 - a->y;
    return CONVTOOL_OK;
}

/* 45° for a 3x3 (ImageMagick's '@'): the outer ring moves one step clockwise. */
static convtool_status im_rot45(const struct im_kernel *a, struct im_kernel *b)
{
    static const int ring[8][2] = {{0, 0}, {1, 0}, {2, 0}, {2, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
    if (im_alloc(b, 3, 3) != CONVTOOL_OK)
        return CONVTOOL_ENOMEM;
    b->v[4] = a->v[4];
    b->x = a->x;
    b->y = a->y;
    for (int i = 0; i < 8; i++) {
        const int *from = ring[(i + 7) % 8], *to = ring[i];
        b->v[to[1] * 3 + to[0]] = a->v[from[1] * 3 + from[0]];
        if (a->x == from[0] && a->y == from[1]) {
            b->x = to[0];
            b->y = to[1];
        }
    }
    return CONVTOOL_OK;
}

/* ImageMagick's SameKernelInfo: same size and origin, NaN where the other has NaN. */
static int im_same(const struct im_kernel *a, const struct im_kernel *b)
{
    if (a->w != b->w || a->h != b->h || a->x != b->x || a->y != b->y)
        return 0;
    for (size_t i = 0; i < (size_t)a->w * (size_t)a->h; i++) {
        if (isnan(a->v[i]) != isnan(b->v[i]))
            return 0;
        if (!isnan(a->v[i]) && fabs(a->v[i] - b->v[i]) >= 1e-12)
            return 0;
    }
    return 1;
}

/*
 * Expands a kernel by its flag into list[0..*n): '>' 90° turns and '@' 45°
 * turns until one repeats the first, '<' the kernel, 180°, 270° and 90°.
 */
static convtool_status im_expand(char flag, struct im_kernel *list, int *n)
{
    convtool_status st = CONVTOOL_OK;
    if (flag == '<') {
        st = im_rot180(&list[0], &list[1]);
        if (st == CONVTOOL_OK)
            st = im_rot90(&list[1], &list[2]);
        if (st == CONVTOOL_OK)
            st = im_rot180(&list[2], &list[3]);
        *n = st == CONVTOOL_OK ? 4 : 1;
        return st;
    }
    int steps = flag == '@' ? 8 : 4;
    for (*n = 1; *n < steps; ++*n) {
        struct im_kernel *next = &list[*n];
        st = flag == '@' ? im_rot45(&list[*n - 1], next) : im_rot90(&list[*n - 1], next);
        if (st != CONVTOOL_OK || im_same(&list[0], next)) {
            im_free(next);
            break;
        }
    }
    return st;
}

/*
 * Zero taps before one axis, and its new size, that put origin o at the
 * centre of an odd size: the anchor stays on it under --flip too, which is
 * then ImageMagick's Convolve. The default origin, (n-1)/2, is convtool's
 * anchor already and is left alone.
 */
static void centre_axis(int n, int o, int *before, int *size)
{
    int m = o > n - 1 - o ? o : n - 1 - o;
    if (o == (n - 1) / 2) {
        *before = 0;
        *size = n;
        return;
    }
    *before = m - o;
    *size = 2 * m + 1;
}

/*
 * convtool's anchor is fixed at the centre, so an origin elsewhere is met by
 * zero rows and columns around the kernel: with `same` padding the result is
 * ImageMagick's. NaN taps become 0.
 */
static convtool_status im_to_kernel(const struct im_kernel *a, convtool_kernel *k, int line,
                                    int col, convtool_parse_error *err)
{
    int left, top, w, h;
    centre_axis(a->w, a->x, &left, &w);
    centre_axis(a->h, a->y, &top, &h);
    memset(k, 0, sizeof *k);
    if (w > CONVTOOL_KERNEL_MAX_SIDE || h > CONVTOOL_KERNEL_MAX_SIDE)
        return kernel_fail(err, line, col,
                           "origin +%d+%d of a %dx%d kernel needs a %dx%d kernel to be centred, "
                           "over the %d limit",
                           a->x, a->y, a->w, a->h, w, h, CONVTOOL_KERNEL_MAX_SIDE);
    k->values = calloc((size_t)w * (size_t)h, sizeof *k->values);
    if (!k->values)
        return CONVTOOL_ENOMEM;
    k->w = w;
    k->h = h;
    k->scale = 1.0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            double v = a->v[y * a->w + x];
            k->values[(y + top) * w + x + left] = isnan(v) ? 0.0f : (float)v;
        }
    return CONVTOOL_OK;
}

struct im_spec {
    int w, h, x, y;
    char flag;
    int line, col; /* where the kernel starts */
};

static convtool_status im_geometry(struct text_cursor *c, struct im_spec *g)
{
    size_t start = c->pos;
    int max = CONVTOOL_KERNEL_MAX_SIDE;
    g->line = c->line;
    g->col = column(c, start);
    g->flag = 0;
    if (c->pos < c->len && is_alpha((unsigned char)c->s[c->pos]))
        return kernel_fail(c->err, g->line, g->col,
                           "ImageMagick named kernels are not supported; give the values, as in "
                           "\"3x3: 1,2,1 2,4,2 1,2,1\"");
    if (!read_uint(c, max, &g->w))
        return kernel_fail(c->err, g->line, g->col,
                           "expected an ImageMagick kernel such as \"3x3: 1,2,1 2,4,2 1,2,1\"");
    g->h = g->w;
    if (c->pos < c->len && (c->s[c->pos] == 'x' || c->s[c->pos] == 'X')) {
        c->pos++;
        read_uint(c, max, &g->h);
    }
    if (g->w < 1 || g->h < 1 || g->w > max || g->h > max)
        return kernel_fail(c->err, g->line, g->col, "kernel size must be 1 to %d on each side",
                           max);
    g->x = (g->w - 1) / 2;
    g->y = (g->h - 1) / 2;
    if (c->pos < c->len && (c->s[c->pos] == '+' || c->s[c->pos] == '-')) {
        int ok = c->s[c->pos] == '+';
        c->pos++;
        read_uint(c, max, &g->x);
        ok = ok && c->pos < c->len && c->s[c->pos] == '+';
        c->pos++;
        read_uint(c, max, &g->y);
        if (!ok || g->x >= g->w || g->y >= g->h)
            return kernel_fail(c->err, g->line, g->col,
                               "the origin +X+Y must lie inside the %dx%d kernel", g->w, g->h);
    }
    while (c->pos < c->len && strchr("@<>", c->s[c->pos])) {
        if (g->flag)
            return kernel_fail(c->err, c->line, column(c, c->pos),
                               "only one of the flags @, > and < may be given");
        g->flag = c->s[c->pos++];
    }
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
        c->pos++;
    if (c->pos >= c->len || c->s[c->pos] != ':')
        return kernel_fail(c->err, c->line, column(c, c->pos),
                           "expected ':' after the ImageMagick kernel size");
    c->pos++;
    return CONVTOOL_OK;
}

static int is_value_end(int ch)
{
    return is_space(ch) || ch == ',' || ch == ';';
}

static int is_nan_token(const char *t, size_t n)
{
    return (n == 1 && t[0] == '-') ||
           (n == 3 && (t[0] | 32) == 'n' && (t[1] | 32) == 'a' && (t[2] | 32) == 'n');
}

/* One value: a number, or "nan" / "-" for a tap that is not part of the kernel. */
static convtool_status im_value(struct text_cursor *c, double *out)
{
    size_t start = c->pos;
    char why[WHY_MAX];
    while (c->pos < c->len && !is_value_end((unsigned char)c->s[c->pos]))
        c->pos++;
    if (is_nan_token(c->s + start, c->pos - start)) {
        *out = NAN;
        return CONVTOOL_OK;
    }
    if (kernel_number(c->s + start, c->pos - start, out, why, sizeof why) != CONVTOOL_OK)
        return kernel_fail(c->err, c->line, column(c, start), "%s", why);
    return CONVTOOL_OK;
}

/* The values after "WxH:", up to ';' or the end: exactly W·H of them. */
static convtool_status im_values(struct text_cursor *c, const struct im_spec *g,
                                 struct im_kernel *k)
{
    size_t want = (size_t)g->w * (size_t)g->h, got = 0, real = 0;
    int after_comma = 0;
    if (im_alloc(k, g->w, g->h) != CONVTOOL_OK)
        return CONVTOOL_ENOMEM;
    k->x = g->x;
    k->y = g->y;
    for (;;) {
        skip_space(c);
        if (c->pos >= c->len || c->s[c->pos] == ';')
            break;
        if (c->s[c->pos] == ',') {
            if (after_comma)
                return kernel_fail(c->err, c->line, column(c, c->pos),
                                   "empty value between commas");
            after_comma = 1;
            c->pos++;
            continue;
        }
        if (got == want)
            return kernel_fail(c->err, c->line, column(c, c->pos),
                               "more than %zu values for a %dx%d kernel", want, g->w, g->h);
        convtool_status st = im_value(c, &k->v[got]);
        if (st != CONVTOOL_OK)
            return st;
        real += !isnan(k->v[got++]);
        after_comma = 0;
    }
    if (got < want)
        return kernel_fail(c->err, g->line, g->col, "a %dx%d kernel needs %zu values, got %zu",
                           g->w, g->h, want, got);
    if (real == 0)
        return kernel_fail(c->err, g->line, g->col, "every value is nan");
    return CONVTOOL_OK;
}

static convtool_status im_check_flag(const struct im_spec *g, convtool_parse_error *err)
{
    if (g->flag == '@' && (g->w != 3 || g->h != 3))
        return kernel_fail(err, g->line, g->col, "'@' (45 degree turns) needs a 3x3 kernel");
    if (g->flag && g->flag != '@' && g->w != g->h && g->w != 1 && g->h != 1)
        return kernel_fail(err, g->line, g->col,
                           "'%c' (90 degree turns) needs a square or one-row kernel", g->flag);
    return CONVTOOL_OK;
}

/* One "WxH...: values" and the kernels its flag makes. */
static convtool_status im_one(struct text_cursor *c, convtool_kernel_bank *bank)
{
    struct im_spec g = {0};
    struct im_kernel list[IM_MAX_ROTATIONS];
    int n = 1;
    memset(list, 0, sizeof list);
    convtool_status st = im_geometry(c, &g);
    if (st == CONVTOOL_OK)
        st = im_check_flag(&g, c->err);
    if (st == CONVTOOL_OK)
        st = im_values(c, &g, &list[0]);
    if (st == CONVTOOL_OK && g.flag)
        st = im_expand(g.flag, list, &n);
    for (int i = 0; st == CONVTOOL_OK && i < n; i++) {
        convtool_kernel k;
        if (bank->count >= CONVTOOL_BANK_MAX)
            st = kernel_fail(c->err, g.line, g.col, "more than %d kernels", CONVTOOL_BANK_MAX);
        if (st == CONVTOOL_OK)
            st = im_to_kernel(&list[i], &k, g.line, g.col, c->err);
        if (st == CONVTOOL_OK)
            st = kernel_bank_add(bank, &k);
        convtool_kernel_free(&k);
    }
    for (int i = 0; i < IM_MAX_ROTATIONS; i++)
        im_free(&list[i]);
    return st;
}

convtool_status kernel_read_imagemagick(const char *text, size_t len, convtool_kernel_bank *bank,
                                        convtool_parse_error *err)
{
    struct text_cursor c = {.s = text, .len = len, .line = 1, .err = err};
    if (memchr(text, '\0', len))
        return kernel_fail(err, 1, 1, "NUL byte in kernel text");
    for (;;) {
        /* Like ImageMagick, extra ';' before, between and after kernels are ignored. */
        skip_space(&c);
        while (c.pos < c.len && c.s[c.pos] == ';') {
            c.pos++;
            skip_space(&c);
        }
        if (c.pos >= c.len)
            break;
        convtool_status st = im_one(&c, bank);
        if (st != CONVTOOL_OK)
            return st;
    }
    if (bank->count == 0)
        return kernel_fail(err, c.line, column(&c, c.pos), "no kernel values");
    return CONVTOOL_OK;
}
