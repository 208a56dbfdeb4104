/*
 * Writing kernels and banks in the formats convtool reads: its own text
 * format, ImageMagick kernel strings, libvips matrix files and .npy. Values
 * are printed with 9 significant digits, enough to read back the same float.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/npy.h"
#include "convtool/convtool.h"

#define NUM_MAX 40

static const char *const combine_names[] = {"separate", "magnitude", "max", "sum", "stack"};

/* printf follows LC_NUMERIC; the formats want '.' whatever the locale says. */
static void number(char *buf, double v, int digits)
{
    const char *point = localeconv()->decimal_point;
    snprintf(buf, NUM_MAX, "%.*g", digits, v);
    if (point && point[0] && point[0] != '.' && point[1] == '\0') {
        char *p = strchr(buf, point[0]);
        if (p)
            *p = '.';
    }
}

static convtool_status put(convtool_buffer *out, const char *s)
{
    return convtool_buffer_append(out, s, strlen(s));
}

static convtool_status putf(convtool_buffer *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static convtool_status putf(convtool_buffer *out, const char *fmt, ...)
{
    char line[CONVTOOL_DESCRIPTION_MAX + 2 * CONVTOOL_NAME_MAX + 96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return put(out, line);
}

/* The value as the convolution uses it: the file's scale baked in, as apply does. */
static float effective(const convtool_kernel *k, size_t i)
{
    return k->scale == 1.0 ? k->values[i] : (float)(k->values[i] * k->scale);
}

/* N when s is exactly 1/N for a whole N (1/16, 1/9...), else 0. */
static long reciprocal(double s)
{
    if (s == 0 || !isfinite(s) || fabs(1.0 / s) > 1e9)
        return 0;
    double n = nearbyint(1.0 / s);
    return (n != 0 && 1.0 / n == s) ? (long)n : 0;
}

/* Rows of values separated by `sep`, right-aligned in the text format. */
static convtool_status put_rows(convtool_buffer *out, const convtool_kernel *k, int baked,
                                const char *sep, const char *row_end, int align)
{
    char num[NUM_MAX];
    int width = 0;
    size_t n = (size_t)k->w * (size_t)k->h;
    for (size_t i = 0; align && i < n; i++) {
        number(num, baked ? effective(k, i) : k->values[i], 9);
        width = (int)strlen(num) > width ? (int)strlen(num) : width;
    }
    convtool_status st = CONVTOOL_OK;
    for (size_t i = 0; st == CONVTOOL_OK && i < n; i++) {
        number(num, baked ? effective(k, i) : k->values[i], 9);
        int last = (i + 1) % (size_t)k->w == 0;
        st = putf(out, "%*s%s", align ? width : 0, num, last ? (i + 1 == n ? "" : row_end) : sep);
    }
    return st;
}

/* Names become directive values that must read back: anything else turns into '_'. */
static void safe_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < CONVTOOL_NAME_MAX; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        dst[i] = ok ? c : '_';
    }
    dst[i] = '\0';
}

static convtool_status put_kernel_text(convtool_buffer *out, const convtool_kernel *k,
                                       int with_name)
{
    char name[CONVTOOL_NAME_MAX], num[NUM_MAX];
    convtool_status st = CONVTOOL_OK;
    safe_name(name, k->name);
    if (with_name && name[0])
        st = putf(out, "name: %s\n", name);
    if (st == CONVTOOL_OK && k->description[0])
        st = putf(out, "description: %s\n", k->description);
    long n = reciprocal(k->scale);
    if (st == CONVTOOL_OK && k->scale != 1.0) {
        number(num, k->scale, 17);
        st = n ? putf(out, "scale: 1/%ld\n", n) : putf(out, "scale: %s\n", num);
    }
    if (st == CONVTOOL_OK && k->offset != 0.0) {
        number(num, k->offset, 17);
        st = putf(out, "offset: %s\n", num);
    }
    if (st == CONVTOOL_OK)
        st = put_rows(out, k, 0, " ", "\n", 1);
    return st == CONVTOOL_OK ? put(out, "\n") : st;
}

/* One kernel as a plain file; several (or a default combine) as a bank. */
static convtool_status write_convtool(const convtool_kernel_bank *b, convtool_buffer *out)
{
    convtool_status st;
    if (b->count == 1 && !b->has_combine) {
        st = putf(out, "# %s: %dx%d, written by convtool kernels show --as convtool\n",
                  b->kernels[0].name, b->kernels[0].w, b->kernels[0].h);
        return st == CONVTOOL_OK ? put_kernel_text(out, &b->kernels[0], 0) : st;
    }
    st = putf(out, "# %s: a bank of %zu kernels, written by convtool kernels show --as convtool\n",
              b->name, b->count);
    if (st == CONVTOOL_OK && b->description[0])
        st = putf(out, "description: %s\n", b->description);
    if (st == CONVTOOL_OK && b->has_combine && (unsigned)b->combine < 5)
        st = putf(out, "combine: %s\n", combine_names[b->combine]);
    for (size_t i = 0; st == CONVTOOL_OK && i < b->count; i++) {
        st = put(out, "---\n");
        if (st == CONVTOOL_OK)
            st = put_kernel_text(out, &b->kernels[i], 1);
    }
    return st;
}

/* "WxH: a,b,c d,e,f ..." with kernels joined by "; " (an ImageMagick kernel list). */
static convtool_status write_imagemagick(const convtool_kernel_bank *b, convtool_buffer *out)
{
    convtool_status st = CONVTOOL_OK;
    for (size_t i = 0; st == CONVTOOL_OK && i < b->count; i++) {
        const convtool_kernel *k = &b->kernels[i];
        st = putf(out, "%s%dx%d: ", i ? "; " : "", k->w, k->h);
        if (st == CONVTOOL_OK)
            st = put_rows(out, k, 1, ",", " ", 0);
    }
    return st == CONVTOOL_OK ? put(out, "\n") : st;
}

/*
 * "W H SCALE OFFSET" then the rows. vips divides by SCALE, so a scale of 1/N
 * is written as N with the whole numbers; any other scale is baked into the
 * values. OFFSET is in 0-255 pixel units (kernel_read_vips divides by 255).
 */
static convtool_status write_vips(const convtool_kernel_bank *b, convtool_buffer *out)
{
    char num[NUM_MAX];
    if (b->count != 1)
        return CONVTOOL_EUNSUPPORTED;
    const convtool_kernel *k = &b->kernels[0];
    long n = k->scale == 1.0 ? 1 : reciprocal(k->scale);
    number(num, k->offset * 255.0, 17);
    convtool_status st = putf(out, "%d %d %ld %s\n", k->w, k->h, n ? n : 1, num);
    if (st == CONVTOOL_OK)
        st = put_rows(out, k, n == 0, " ", "\n", 0);
    return st == CONVTOOL_OK ? put(out, "\n") : st;
}

/* float32 (H,W) for one kernel, (K,H,W) for a bank of same-sized kernels. */
static convtool_status write_npy(const convtool_kernel_bank *b, convtool_buffer *out)
{
    const convtool_kernel *first = &b->kernels[0];
    convtool_tensor t = {0};
    for (size_t i = 1; i < b->count; i++)
        if (b->kernels[i].w != first->w || b->kernels[i].h != first->h)
            return CONVTOOL_EMISMATCH;
    convtool_status st = convtool_tensor_alloc(&t, (int)b->count, first->h, first->w);
    size_t taps = (size_t)first->w * (size_t)first->h;
    for (size_t i = 0; st == CONVTOOL_OK && i < b->count; i++)
        for (size_t j = 0; j < taps; j++)
            t.data[i * taps + j] = effective(&b->kernels[i], j);
    if (st == CONVTOOL_OK)
        st = npy_encode(&t, b->count == 1 ? 2 : 3, 0, out);
    convtool_tensor_free(&t);
    return st;
}

convtool_status convtool_kernel_bank_write(const convtool_kernel_bank *bank,
                                           convtool_kernel_format format, convtool_buffer *out)
{
    if (!bank || !out || bank->count == 0 || !bank->kernels)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < bank->count; i++)
        if (!bank->kernels[i].values || bank->kernels[i].w < 1 || bank->kernels[i].h < 1)
            return CONVTOOL_EINVAL;
    switch (format) {
    case CONVTOOL_KERNEL_FORMAT_CONVTOOL:
        return write_convtool(bank, out);
    case CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK:
        return write_imagemagick(bank, out);
    case CONVTOOL_KERNEL_FORMAT_VIPS:
        return write_vips(bank, out);
    case CONVTOOL_KERNEL_FORMAT_NPY:
        return write_npy(bank, out);
    default:
        return CONVTOOL_EINVAL;
    }
}
