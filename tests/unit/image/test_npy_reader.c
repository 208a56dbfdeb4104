/*
 * The .npy strip reader and writer pieces (convtool_npy_reader_*,
 * convtool_npy_header, convtool_npy_store): rows read at their offsets equal
 * the whole decode's for every dtype, byte order and rank; what the whole
 * path must take is refused at open; the header and stored values are the
 * bytes convtool_image_encode writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "convtool/convtool.h"

/* A .npy (version 1) with this header dict and n values 0.5·i − 3 in the given dtype. */
static convtool_buffer make_npy(const char *dict, size_t n, int itemsize, int big)
{
    convtool_buffer b = {0};
    char header[256];
    int len = snprintf(header, sizeof header, "%s", dict);
    while ((10 + len + 1) % 64)
        header[len++] = ' ';
    header[len++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xff),
                             (unsigned char)(len >> 8)};
    assert_int_equal(convtool_buffer_append(&b, pre, sizeof pre), CONVTOOL_OK);
    assert_int_equal(convtool_buffer_append(&b, header, (size_t)len), CONVTOOL_OK);
    for (size_t i = 0; i < n; i++) {
        double v = 0.5 * (double)i - 3.0;
        uint64_t bits = 0;
        if (itemsize == 4) {
            float f = (float)v;
            uint32_t b32;
            memcpy(&b32, &f, 4);
            bits = b32;
        } else {
            memcpy(&bits, &v, 8);
        }
        unsigned char e[8];
        for (int k = 0; k < itemsize; k++)
            e[big ? itemsize - 1 - k : k] = (unsigned char)(bits >> (8 * k));
        assert_int_equal(convtool_buffer_append(&b, e, (size_t)itemsize), CONVTOOL_OK);
    }
    return b;
}

/* The bytes in an unlinked temp file; its descriptor. */
static int temp_file(const convtool_buffer *b, size_t keep)
{
    char name[] = "/tmp/test_npy_reader_XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    unlink(name);
    assert_int_equal(write(fd, b->data, keep), (ssize_t)keep);
    return fd;
}

/* Every row of every plane, one row and several at a time, equals the whole decode. */
static void check_rows(const char *dict, size_t n, int itemsize, int big)
{
    convtool_buffer b = make_npy(dict, n, itemsize, big);
    convtool_image img;
    convtool_load_options lo = {0};
    lo.no_sandbox = 1;
    assert_int_equal(convtool_image_decode(b.data, b.len, &lo, &img), CONVTOOL_OK);
    int fd = temp_file(&b, b.len);
    convtool_image_info info;
    convtool_npy_reader *r;
    assert_int_equal(convtool_npy_reader_open(fd, b.len, &info, &r), CONVTOOL_OK);
    assert_int_equal(info.format, CONVTOOL_FORMAT_NPY);
    assert_int_equal(info.width, img.info.width);
    assert_int_equal(info.height, img.info.height);
    assert_int_equal(info.channels, img.info.channels);
    assert_int_equal(info.npy_rank, img.info.npy_rank);
    assert_int_equal(info.npy_batch, img.info.npy_batch);
    const convtool_tensor *t = &img.tensor;
    float *rows = malloc((size_t)t->h * t->w * sizeof(float));
    for (int p = 0; p < t->c; p++) {
        const float *plane = t->data + (size_t)p * t->h * t->w;
        for (int y = 0; y < t->h; y++) {
            assert_int_equal(convtool_npy_reader_rows(r, p, y, 1, rows), CONVTOOL_OK);
            assert_memory_equal(rows, plane + (size_t)y * t->w, (size_t)t->w * sizeof(float));
        }
        int from = t->h / 3;
        assert_int_equal(convtool_npy_reader_rows(r, p, from, t->h - from, rows), CONVTOOL_OK);
        assert_memory_equal(rows, plane + (size_t)from * t->w,
                            (size_t)(t->h - from) * t->w * sizeof(float));
    }
    assert_int_equal(convtool_npy_reader_rows(r, t->c, 0, 1, rows), CONVTOOL_EINVAL);
    assert_int_equal(convtool_npy_reader_rows(r, 0, t->h, 1, rows), CONVTOOL_EINVAL);
    assert_int_equal(convtool_npy_reader_rows(r, 0, 1, t->h, rows), CONVTOOL_EINVAL);
    free(rows);
    convtool_npy_reader_close(r);
    close(fd);
    convtool_image_free(&img);
    convtool_buffer_free(&b);
}

static void rows_equal_whole_decode(void **state)
{
    (void)state;
    check_rows("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5, 7), }", 105, 4, 0);
    check_rows("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 5, 7), }", 105, 4, 1);
    check_rows("{'descr': '<f8', 'fortran_order': False, 'shape': (6, 9), }", 54, 8, 0);
    check_rows("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3, 4, 5), }", 120, 8, 1);
    check_rows("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", 1, 4, 0);
}

static convtool_status open_status(const char *dict, size_t n, size_t cut)
{
    convtool_buffer b = make_npy(dict, n, 4, 0);
    int fd = temp_file(&b, b.len - cut);
    convtool_image_info info;
    convtool_npy_reader *r = NULL;
    convtool_status st = convtool_npy_reader_open(fd, b.len - cut, &info, &r);
    convtool_npy_reader_close(r);
    close(fd);
    convtool_buffer_free(&b);
    return st;
}

/* What the whole path must judge (and word) is left to it. */
static void whole_path_cases_refused(void **state)
{
    (void)state;
    assert_int_equal(open_status("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 6, 0),
                     CONVTOOL_EUNSUPPORTED);
    assert_int_equal(open_status("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 6, 0),
                     CONVTOOL_EUNSUPPORTED);
    assert_int_equal(open_status("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 6, 0),
                     CONVTOOL_EUNSUPPORTED);
    /* shorter than its shape says */
    assert_int_equal(open_status("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 6, 4),
                     CONVTOOL_EUNSUPPORTED);
    /* a header cut short */
    assert_int_equal(open_status("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 6, 80),
                     CONVTOOL_EUNSUPPORTED);
    convtool_image_info info;
    convtool_npy_reader *r;
    assert_int_equal(convtool_npy_reader_open(-1, 100, &info, &r), CONVTOOL_EINVAL);
}

/* Header and stored values are convtool_image_encode's bytes, for each rank it writes. */
static void pieces_equal_encoder(void **state)
{
    (void)state;
    const int ranks[][3] = {{2, 0, 1}, {3, 0, 1}, {3, 0, 4}, {4, 2, 6}};
    for (size_t i = 0; i < sizeof ranks / sizeof *ranks; i++) {
        convtool_tensor t;
        assert_int_equal(convtool_tensor_alloc(&t, ranks[i][2], 5, 3), CONVTOOL_OK);
        for (size_t v = 0; v < convtool_tensor_count(&t); v++)
            t.data[v] = (float)v * -0.37f + 1e-3f;
        convtool_save_options so = {0};
        so.format = CONVTOOL_FORMAT_NPY;
        so.npy_rank = ranks[i][0];
        so.npy_batch = ranks[i][1];
        convtool_buffer whole = {0}, pieces = {0};
        assert_int_equal(convtool_image_encode(&t, &so, &whole), CONVTOOL_OK);
        assert_int_equal(convtool_npy_header(t.c, t.h, t.w, ranks[i][0], ranks[i][1], &pieces),
                         CONVTOOL_OK);
        size_t n = convtool_tensor_count(&t);
        unsigned char *stored = malloc(n * 4);
        convtool_npy_store(t.data, n, stored);
        assert_int_equal(convtool_buffer_append(&pieces, stored, n * 4), CONVTOOL_OK);
        assert_int_equal(pieces.len, whole.len);
        assert_memory_equal(pieces.data, whole.data, whole.len);
        free(stored);
        convtool_buffer_free(&whole);
        convtool_buffer_free(&pieces);
        convtool_tensor_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_equal_whole_decode),
        cmocka_unit_test(whole_path_cases_refused),
        cmocka_unit_test(pieces_equal_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
