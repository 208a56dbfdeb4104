/*
 * The .npy reader and writer. Values are converted byte by byte, so the
 * result does not depend on the host's byte order.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/npy.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_PREAMBLE_V1 10
#define NPY_PREAMBLE_V2 12
/* numpy itself pads the header so the data starts on a 64-byte boundary. */
#define NPY_ALIGN 64

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4, KEY_ALL = 7 };

/* A cursor over the header's Python-literal dict. */
typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int accept(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes (the only kind numpy writes). */
static int parse_string(cursor *c, char *buf, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || n + 1 >= cap)
            return 0;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    buf[n] = '\0';
    return 1;
}

static int parse_word(cursor *c, const char *word)
{
    size_t n = strlen(word);
    skip_ws(c);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

static int parse_size(cursor *c, size_t *value)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return 0;
    size_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t digit = (size_t)(*c->p++ - '0');
        if (v > (SIZE_MAX - digit) / 10)
            return 0;
        v = v * 10 + digit;
    }
    *value = v;
    return 1;
}

static convtool_status parse_descr(cursor *c, npy_header *h)
{
    char d[16];
    skip_ws(c);
    if (c->p < c->end && *c->p == '[')
        return CONVTOOL_EUNSUPPORTED; /* a structured dtype */
    if (!parse_string(c, d, sizeof d))
        return CONVTOOL_ECORRUPT;
    /* '=' and '|' mean "native order"; numpy never writes them for floats: read as little.
     * Another dtype leaves itemsize 0, refused once the whole dict has parsed. */
    if (strlen(d) == 3 && strchr("<>=|", d[0]) && d[1] == 'f' && (d[2] == '4' || d[2] == '8')) {
        h->big_endian = d[0] == '>';
        h->itemsize = d[2] - '0';
    }
    return CONVTOOL_OK;
}

static convtool_status parse_fortran(cursor *c, npy_header *h)
{
    if (parse_word(c, "True"))
        h->fortran_order = 1;
    else if (parse_word(c, "False"))
        h->fortran_order = 0;
    else
        return CONVTOOL_ECORRUPT;
    return CONVTOOL_OK;
}

/* A Python tuple of non-negative integers: (), (5,), (3, 4), (3, 4,). */
static convtool_status parse_shape(cursor *c, npy_header *h)
{
    h->rank = 0;
    if (!accept(c, '('))
        return CONVTOOL_ECORRUPT;
    if (accept(c, ')'))
        return CONVTOOL_OK;
    for (;;) {
        size_t v;
        if (!parse_size(c, &v))
            return CONVTOOL_ECORRUPT;
        if (h->rank == NPY_MAX_RANK)
            return CONVTOOL_EUNSUPPORTED;
        h->shape[h->rank++] = v;
        if (accept(c, ')'))
            return h->rank == 1 ? CONVTOOL_ECORRUPT : CONVTOOL_OK; /* "(5)" is not a tuple */
        if (!accept(c, ','))
            return CONVTOOL_ECORRUPT;
        if (accept(c, ')'))
            return CONVTOOL_OK;
    }
}

static int key_bit(const char *key)
{
    if (strcmp(key, "descr") == 0)
        return KEY_DESCR;
    if (strcmp(key, "fortran_order") == 0)
        return KEY_FORTRAN;
    if (strcmp(key, "shape") == 0)
        return KEY_SHAPE;
    return 0;
}

static convtool_status parse_value(cursor *c, int key, npy_header *h)
{
    if (key == KEY_DESCR)
        return parse_descr(c, h);
    if (key == KEY_FORTRAN)
        return parse_fortran(c, h);
    return parse_shape(c, h);
}

/* The dict must have exactly the three keys numpy writes, each once. */
static convtool_status parse_dict(cursor *c, npy_header *h)
{
    int seen = 0;
    if (!accept(c, '{'))
        return CONVTOOL_ECORRUPT;
    while (!accept(c, '}')) {
        char key[32];
        if (!parse_string(c, key, sizeof key) || !accept(c, ':'))
            return CONVTOOL_ECORRUPT;
        int bit = key_bit(key);
        if (!bit || (seen & bit))
            return CONVTOOL_ECORRUPT;
        seen |= bit;
        convtool_status st = parse_value(c, bit, h);
        if (st != CONVTOOL_OK)
            return st;
        if (accept(c, '}'))
            break;
        if (!accept(c, ','))
            return CONVTOOL_ECORRUPT;
    }
    skip_ws(c);
    return seen == KEY_ALL && c->p == c->end ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
}

/* The number of elements of the axes before the last two (1 for rank 1 and 2). */
static size_t leading(const npy_header *h)
{
    size_t n = 1;
    for (int i = 0; i + 2 < h->rank; i++)
        n *= h->shape[i]; /* checked by check_shape before anyone relies on it */
    return n;
}

/* Rank 1 to 4, no empty axis, and the data is exactly the array: no more, no less. */
static convtool_status check_shape(const npy_header *h, size_t data_len)
{
    if (h->rank < 1 || h->rank > 4)
        return CONVTOOL_EUNSUPPORTED;
    for (int i = 0; i < h->rank; i++)
        if (h->shape[i] == 0)
            return CONVTOOL_EUNSUPPORTED;
    size_t bytes, lead = h->rank == 4 ? 0 : 1;
    if (h->rank == 4 && convtool_mul_size(h->shape[0], h->shape[1], 1, 1, &lead) != CONVTOOL_OK)
        return CONVTOOL_ECORRUPT;
    if (h->rank == 3)
        lead = h->shape[0];
    size_t rows = h->rank == 1 ? 1 : h->shape[h->rank - 2];
    if (convtool_mul_size(lead, rows, h->shape[h->rank - 1], (size_t)h->itemsize, &bytes) !=
            CONVTOOL_OK ||
        bytes != data_len)
        return CONVTOOL_ECORRUPT;
    for (int i = 0; i < h->rank; i++)
        if (h->shape[i] > INT_MAX)
            return CONVTOOL_EOVERFLOW;
    if (lead > INT_MAX)
        return CONVTOOL_EOVERFLOW;
    return CONVTOOL_OK;
}

static convtool_status read_preamble(const unsigned char *b, size_t len, size_t *start,
                                     size_t *hlen)
{
    if (len < NPY_PREAMBLE_V1 || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return CONVTOOL_ECORRUPT;
    int major = b[6], minor = b[7];
    if (major < 1 || major > 3 || minor != 0)
        return CONVTOOL_EUNSUPPORTED;
    if (major == 1) {
        *start = NPY_PREAMBLE_V1;
        *hlen = (size_t)b[8] | (size_t)b[9] << 8;
    } else {
        if (len < NPY_PREAMBLE_V2)
            return CONVTOOL_ECORRUPT;
        *start = NPY_PREAMBLE_V2;
        *hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    }
    return *hlen <= len - *start ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
}

convtool_status npy_parse_header(const unsigned char *bytes, size_t len, npy_header *hdr)
{
    return npy_parse_header_of(bytes, len, len, hdr);
}

convtool_status npy_parse_header_of(const unsigned char *bytes, size_t len, uint64_t file_len,
                                    npy_header *hdr)
{
    size_t start, hlen;
    memset(hdr, 0, sizeof *hdr);
    if (file_len < len)
        return CONVTOOL_EINVAL;
    convtool_status st = read_preamble(bytes, len, &start, &hlen);
    if (st != CONVTOOL_OK)
        return st;
    cursor c = {(const char *)bytes + start, (const char *)bytes + start + hlen};
    st = parse_dict(&c, hdr);
    if (st != CONVTOOL_OK)
        return st;
    if (hdr->itemsize == 0)
        return CONVTOOL_EUNSUPPORTED; /* a dtype other than float32/float64 */
    hdr->data_offset = start + hlen;
    if (file_len - hdr->data_offset > SIZE_MAX)
        return CONVTOOL_EOVERFLOW;
    return check_shape(hdr, (size_t)(file_len - hdr->data_offset));
}

/* Reads one element, in the file's byte order, and rounds it to float32. */
static float load_elem(const unsigned char *p, const npy_header *h)
{
    uint64_t bits = 0;
    for (int i = 0; i < h->itemsize; i++) {
        int k = h->big_endian ? i : h->itemsize - 1 - i;
        bits = bits << 8 | p[k];
    }
    if (h->itemsize == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return (float)d;
}

/*
 * Fortran order stores element (i0, i1, …) at i0 + S0·(i1 + S1·(…)): walk the
 * C-order indices like an odometer and gather.
 */
static void load_fortran(const unsigned char *src, const npy_header *h, float *dst, size_t n)
{
    size_t idx[NPY_MAX_RANK] = {0}, stride[NPY_MAX_RANK], isz = (size_t)h->itemsize;
    stride[0] = 1;
    for (int k = 1; k < h->rank; k++)
        stride[k] = stride[k - 1] * h->shape[k - 1];
    for (size_t i = 0; i < n; i++) {
        size_t off = 0;
        for (int k = 0; k < h->rank; k++)
            off += idx[k] * stride[k];
        dst[i] = load_elem(src + off * isz, h);
        for (int k = h->rank - 1; k >= 0 && ++idx[k] == h->shape[k]; k--)
            idx[k] = 0;
    }
}

convtool_status npy_decode(const unsigned char *bytes, const npy_header *hdr, convtool_tensor *t)
{
    int rank = hdr->rank;
    int h = rank == 1 ? 1 : (int)hdr->shape[rank - 2];
    convtool_status st =
        convtool_tensor_alloc(t, (int)leading(hdr), h, (int)hdr->shape[rank - 1]);
    if (st != CONVTOOL_OK)
        return st;
    const unsigned char *src = bytes + hdr->data_offset;
    size_t n = convtool_tensor_count(t);
    if (hdr->fortran_order) {
        load_fortran(src, hdr, t->data, n);
        return CONVTOOL_OK;
    }
    npy_load_elems(src, hdr, t->data, n);
    return CONVTOOL_OK;
}

void npy_load_elems(const unsigned char *src, const npy_header *hdr, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = load_elem(src + i * (size_t)hdr->itemsize, hdr);
}

/* "{'descr': '<f4', 'fortran_order': False, 'shape': (…), }", padded to 64 with '\n' last. */
static convtool_status write_header(convtool_buffer *out, const size_t *dims, int rank)
{
    char text[4 * NPY_ALIGN + NPY_PREAMBLE_V1];
    int n = snprintf(text, sizeof text, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < rank; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s%zu", i ? ", " : "", dims[i]);
    n += snprintf(text + n, sizeof text - (size_t)n, "), }");
    size_t total = NPY_PREAMBLE_V1 + (size_t)n + 1;
    size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    size_t hlen = padded - NPY_PREAMBLE_V1;
    memset(text + n, ' ', hlen - (size_t)n - 1);
    text[hlen - 1] = '\n';
    unsigned char pre[NPY_PREAMBLE_V1];
    memcpy(pre, NPY_MAGIC "\x01\x00", 8); /* version 1.0: a 16-bit header length */
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    convtool_status st = convtool_buffer_append(out, pre, sizeof pre);
    if (st != CONVTOOL_OK)
        return st;
    return convtool_buffer_append(out, text, hlen);
}

void npy_store_f32(const float *v, size_t n, unsigned char *dst)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        for (int k = 0; k < 4; k++)
            *dst++ = (unsigned char)(bits >> (8 * k));
    }
}

/* float32 little-endian, converted through a small stack chunk. */
static convtool_status write_floats(convtool_buffer *out, const float *v, size_t n)
{
    unsigned char chunk[4096];
    for (size_t i = 0; i < n;) {
        size_t m = n - i < sizeof chunk / 4 ? n - i : sizeof chunk / 4;
        npy_store_f32(v + i, m, chunk);
        convtool_status st = convtool_buffer_append(out, chunk, m * 4);
        if (st != CONVTOOL_OK)
            return st;
        i += m;
    }
    return CONVTOOL_OK;
}

static int tensor_ok(const convtool_tensor *t)
{
    return t && t->data && t->c > 0 && t->h > 0 && t->w > 0;
}

convtool_status npy_encode_header(int c, int h, int w, int rank, int batch,
                                  convtool_buffer *out)
{
    if (c < 1 || h < 1 || w < 1 || !out || (rank == 4 && (batch < 1 || c % batch != 0)))
        return CONVTOOL_EINVAL;
    size_t dims[4] = {(size_t)c, (size_t)h, (size_t)w, 0};
    int flat = rank == 2 && c == 1;
    if (rank == 4) {
        size_t batched[4] = {(size_t)batch, (size_t)(c / batch), (size_t)h, (size_t)w};
        memcpy(dims, batched, sizeof dims);
    }
    return write_header(out, flat ? dims + 1 : dims, flat ? 2 : rank == 4 ? 4 : 3);
}

convtool_status npy_encode(const convtool_tensor *t, int rank, int batch, convtool_buffer *out)
{
    if (!tensor_ok(t))
        return CONVTOOL_EINVAL;
    convtool_status st = npy_encode_header(t->c, t->h, t->w, rank, batch, out);
    if (st != CONVTOOL_OK)
        return st;
    return write_floats(out, t->data, convtool_tensor_count(t));
}

convtool_status convtool_npy_encode_stack(const convtool_tensor *parts, size_t n,
                                          convtool_buffer *out)
{
    if (!parts || n == 0 || !out)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!tensor_ok(&parts[i]))
            return CONVTOOL_EINVAL;
        if (parts[i].c != parts[0].c || parts[i].h != parts[0].h || parts[i].w != parts[0].w)
            return CONVTOOL_EMISMATCH;
    }
    size_t dims[4] = {n, (size_t)parts[0].c, (size_t)parts[0].h, (size_t)parts[0].w};
    convtool_status st = write_header(out, dims, 4);
    for (size_t i = 0; i < n && st == CONVTOOL_OK; i++)
        st = write_floats(out, parts[i].data, convtool_tensor_count(&parts[i]));
    return st;
}

void convtool_npy_describe(const unsigned char *bytes, size_t len, char *text, size_t size)
{
    npy_header h;
    if (!text || size == 0)
        return;
    text[0] = '\0';
    convtool_status st = bytes ? npy_parse_header(bytes, len, &h) : CONVTOOL_EINVAL;
    /* the dict parsed (rank set, or a dtype refused after it) even when the array is refused */
    if (st != CONVTOOL_OK && st != CONVTOOL_EUNSUPPORTED && st != CONVTOOL_ECORRUPT)
        return;
    if (h.rank == 0 && h.itemsize == 0)
        return;
    size_t at = (size_t)snprintf(text, size, "shape (");
    for (int i = 0; i < h.rank && at < size; i++)
        at += (size_t)snprintf(text + at, size - at, "%s%zu", i ? ", " : "", h.shape[i]);
    const char *type = h.itemsize == 4   ? "float32"
                       : h.itemsize == 8 ? "float64"
                                         : "a dtype other than float32 and float64";
    if (at < size)
        snprintf(text + at, size - at, "%s), %s", h.rank == 1 ? "," : "", type);
}
