/*
 * Kernels written for other tools: libvips matrix files and NumPy .npy
 * arrays (ImageMagick strings are in kernel_imagemagick.c). Each reader
 * appends to an empty bank; numbers follow the text format's rules
 * (kernel_number), and every error says where, as FILE:LINE:COLUMN does for
 * kernel files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/npy.h"
#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"
#include "kernel/text_cursor.h"

#define WHY_MAX 120

/* ----------------------------------------------------------------- libvips */

/* vips separates numbers by any mix of spaces, tabs, commas and double quotes. */
static int vips_separator(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == ',' || ch == '"';
}

/* Reads up to `max` numbers of the current line; *n gets the count. */
static convtool_status vips_line(struct text_cursor *c, double *out, int max, int *n, size_t *cols)
{
    char why[WHY_MAX];
    *n = 0;
    for (;;) {
        while (c->pos < c->len && vips_separator((unsigned char)c->s[c->pos]))
            c->pos++;
        if (c->pos >= c->len || c->s[c->pos] == '\n')
            return CONVTOOL_OK;
        size_t start = c->pos;
        while (c->pos < c->len && c->s[c->pos] != '\n' &&
               !vips_separator((unsigned char)c->s[c->pos]))
            c->pos++;
        if (*n == max)
            return kernel_fail(c->err, c->line, column(c, start),
                               "more than %d values on this line", max);
        if (kernel_number(c->s + start, c->pos - start, &out[*n], why, sizeof why) != CONVTOOL_OK)
            return kernel_fail(c->err, c->line, column(c, start), "%s", why);
        if (cols)
            cols[*n] = start;
        ++*n;
    }
}

static void next_line(struct text_cursor *c)
{
    if (c->pos < c->len) {
        c->pos++;
        c->line++;
        c->line_start = c->pos;
    }
}

static convtool_status vips_whole(struct text_cursor *c, double v, size_t at, const char *what,
                                  int *out)
{
    if (v != floor(v) || v < 1 || v > CONVTOOL_KERNEL_MAX_SIDE)
        return kernel_fail(c->err, c->line, column(c, at),
                           "the %s must be a whole number from 1 to %d", what,
                           CONVTOOL_KERNEL_MAX_SIDE);
    *out = (int)v;
    return CONVTOOL_OK;
}

/* "W H [scale [offset]]" on the first line. */
static convtool_status vips_header(struct text_cursor *c, int *w, int *h, double *scale,
                                   double *offset)
{
    double v[4] = {0, 0, 1, 0};
    size_t cols[4];
    int n;
    convtool_status st = vips_line(c, v, 4, &n, cols);
    if (st != CONVTOOL_OK)
        return st;
    if (n < 2)
        return kernel_fail(c->err, c->line, 1,
                           "a libvips matrix starts with \"WIDTH HEIGHT [SCALE [OFFSET]]\"");
    st = vips_whole(c, v[0], cols[0], "width", w);
    if (st == CONVTOOL_OK)
        st = vips_whole(c, v[1], cols[1], "height", h);
    /* 1/scale is what multiplies the taps: 0 and tiny denormals (1e-316) would make it inf. */
    if (st == CONVTOOL_OK && (v[2] == 0 || !isfinite(1.0 / v[2])))
        return kernel_fail(c->err, c->line, column(c, cols[2]),
                           v[2] == 0 ? "the scale must not be 0" : "the scale is too small");
    *scale = v[2];
    *offset = v[3];
    return st;
}

static convtool_status vips_rows(struct text_cursor *c, convtool_kernel *k)
{
    double row[CONVTOOL_KERNEL_MAX_SIDE];
    int rows = 0, n;
    while (c->pos < c->len) {
        next_line(c);
        convtool_status st = vips_line(c, row, k->w, &n, NULL);
        if (st != CONVTOOL_OK)
            return st;
        if (n == 0)
            continue; /* blank lines */
        if (rows == k->h)
            return kernel_fail(c->err, c->line, 1, "more than %d rows (the header says %d)", k->h,
                               k->h);
        if (n != k->w)
            return kernel_fail(c->err, c->line, 1, "row %d has %d value%s but the header says %d",
                               rows + 1, n, n == 1 ? "" : "s", k->w);
        for (int x = 0; x < n; x++)
            k->values[rows * k->w + x] = (float)row[x];
        rows++;
    }
    if (rows < k->h)
        return kernel_fail(c->err, c->line, column(c, c->pos), "%d row%s but the header says %d",
                           rows, rows == 1 ? "" : "s", k->h);
    return CONVTOOL_OK;
}

/*
 * vips computes out = Σ/scale + offset, the offset in pixel units (0-255 for
 * the 8-bit images it is mostly used on). convtool works in [0,1] units, so
 * the offset is divided by 255: an 8-bit image gives vips' result.
 */
convtool_status kernel_read_vips(const char *text, size_t len, convtool_kernel_bank *bank,
                                 convtool_parse_error *err)
{
    struct text_cursor c = {.s = text, .len = len, .line = 1, .err = err};
    convtool_kernel k = {0};
    double scale = 1.0, offset = 0.0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        c.pos = c.line_start = 3;
    if (memchr(text, '\0', len))
        return kernel_fail(err, 1, 1, "NUL byte in kernel text");
    convtool_status st = vips_header(&c, &k.w, &k.h, &scale, &offset);
    if (st != CONVTOOL_OK)
        return st;
    k.values = malloc((size_t)k.w * (size_t)k.h * sizeof *k.values);
    if (!k.values)
        return CONVTOOL_ENOMEM;
    k.scale = 1.0 / scale;
    k.offset = offset / 255.0;
    st = vips_rows(&c, &k);
    if (st == CONVTOOL_OK)
        st = kernel_bank_add(bank, &k);
    convtool_kernel_free(&k);
    return st;
}

/* -------------------------------------------------------------------- npy */

static convtool_status npy_fail(convtool_parse_error *err, convtool_status st, const char *msg)
{
    if (err)
        snprintf(err->message, sizeof err->message, "%s", msg);
    return st;
}

static convtool_status npy_check(const npy_header *h, convtool_parse_error *err)
{
    char msg[160];
    if (h->rank == 1 && h->shape[0] > CONVTOOL_KERNEL_MAX_SIDE) {
        snprintf(msg, sizeof msg, "shape (%zu,): a row of more than %d values", h->shape[0],
                 CONVTOOL_KERNEL_MAX_SIDE);
        return npy_fail(err, CONVTOOL_ELIMIT, msg);
    }
    if (h->rank == 1)
        return CONVTOOL_OK; /* a row: one kernel of 1 x N, or a bias vector */
    size_t kh = h->shape[h->rank - 2], kw = h->shape[h->rank - 1];
    if (kh > CONVTOOL_KERNEL_MAX_SIDE || kw > CONVTOOL_KERNEL_MAX_SIDE) {
        snprintf(msg, sizeof msg, "a %zux%zu kernel is over the %d limit", kw, kh,
                 CONVTOOL_KERNEL_MAX_SIDE);
        return npy_fail(err, CONVTOOL_ELIMIT, msg);
    }
    if (h->rank == 3 && h->shape[0] > CONVTOOL_BANK_MAX) {
        snprintf(msg, sizeof msg, "%zu kernels, more than the %d a bank may hold", h->shape[0],
                 CONVTOOL_BANK_MAX);
        return npy_fail(err, CONVTOOL_ELIMIT, msg);
    }
    return CONVTOOL_OK;
}

static convtool_status npy_finite(const convtool_tensor *t, const npy_header *h,
                                  convtool_parse_error *err)
{
    size_t n = convtool_tensor_count(t);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(t->data[i])) {
            char msg[120], at[64] = "";
            size_t rest = i, at_len = 0, idx[NPY_MAX_RANK];
            for (int k = h->rank - 1; k >= 0; k--) {
                idx[k] = rest % h->shape[k];
                rest /= h->shape[k];
            }
            for (int k = 0; k < h->rank; k++)
                at_len += (size_t)snprintf(at + at_len, sizeof at - at_len, "%s%zu", k ? ", " : "",
                                           idx[k]);
            snprintf(msg, sizeof msg, "value [%s] is %s; kernels must be finite", at,
                     isnan(t->data[i]) ? "nan" : "inf");
            return npy_fail(err, CONVTOOL_EPARSE, msg);
        }
    return CONVTOOL_OK;
}

convtool_status kernel_npy_array(const unsigned char *bytes, size_t len, struct kernel_array *a,
                                 convtool_parse_error *err)
{
    npy_header h;
    convtool_tensor t = {0};
    memset(a, 0, sizeof *a);
    convtool_status st = npy_parse_header(bytes, len, &h);
    if (st == CONVTOOL_EUNSUPPORTED)
        return npy_fail(err, st,
                        "a kernel .npy must be float32 or float64 of shape (H, W), (K, H, W) or "
                        "a weight (O, C/groups, kH, kW)");
    if (st != CONVTOOL_OK)
        return npy_fail(err, st, "not a valid .npy file (damaged or truncated)");
    st = npy_check(&h, err);
    if (st == CONVTOOL_OK)
        st = npy_decode(bytes, &h, &t);
    if (st == CONVTOOL_OK)
        st = npy_finite(&t, &h, err);
    if (st == CONVTOOL_OK) {
        a->rank = h.rank;
        for (int k = 0; k < h.rank; k++)
            a->shape[k] = (int)h.shape[k];
        a->values = t.data; /* the tensor's floats are the array's, in the same order */
        t.data = NULL;
    }
    convtool_tensor_free(&t);
    return st;
}

/* (H,W) is one kernel, (K,H,W) a bank of K; float32 or float64, values used as stored. */
convtool_status kernel_read_npy(const unsigned char *bytes, size_t len, convtool_kernel_bank *bank,
                                convtool_parse_error *err)
{
    struct kernel_array a;
    convtool_status st = kernel_npy_array(bytes, len, &a, err);
    if (st == CONVTOOL_OK)
        st = kernel_bank_from_array(&a, bank, err);
    kernel_array_free(&a);
    return st;
}
