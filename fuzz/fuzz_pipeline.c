/*
 * Fuzz target: the whole convolution. The input bytes choose a small image
 * (C 1-4, H and W 1-32), a kernel (1-7 each way), the geometry (stride 1-4,
 * dilation 1-3, explicit/same/valid padding, every pad mode) and the values.
 * When the geometry resolves, the optimised core on 1 and on 3 threads is
 * compared with the reference (tests/reference/ref_conv.c): the two thread
 * counts must give the same bytes and both must match the reference.
 */
#include <math.h>
#include <string.h>

#include "convtool/convtool.h"
#include "fuzz_common.h"
#include "ref_conv.h"

#define TOLERANCE 1e-5

struct problem {
    convtool_tensor in;
    convtool_kernel k;
    convtool_geometry_spec spec;
    float bias;
};

/* Values are multiples of 1/16 (image) and 1/8 (kernel), so most sums are exact. */
static float image_value(struct fuzz_reader *r)
{
    return (float)(int8_t)fuzz_byte(r) / 16.0f;
}

static int read_problem(struct fuzz_reader *r, struct problem *p)
{
    int c = fuzz_range(r, 1, 4), h = fuzz_range(r, 1, 32), w = fuzz_range(r, 1, 32);
    int kh = fuzz_range(r, 1, 7), kw = fuzz_range(r, 1, 7);
    fuzz_read_geometry(r, &p->spec, 4, 3, 12);
    p->bias = (float)(int8_t)fuzz_byte(r) / 32.0f;
    if (convtool_tensor_alloc(&p->in, c, h, w) != CONVTOOL_OK)
        return -1;
    p->k.h = kh;
    p->k.w = kw;
    p->k.scale = 1.0;
    p->k.values = malloc((size_t)kh * kw * sizeof(float));
    if (!p->k.values)
        return -1;
    for (int i = 0; i < kh * kw; i++)
        p->k.values[i] = (float)(int8_t)fuzz_byte(r) / 8.0f;
    /* The rest of the input is the image; an exhausted input pads with zeros. */
    size_t n = convtool_tensor_count(&p->in);
    for (size_t i = 0; i < n; i++)
        p->in.data[i] = image_value(r);
    return 0;
}

static void compare_with_reference(const convtool_tensor *got, const convtool_tensor *ref)
{
    FUZZ_CHECK(got->c == ref->c && got->h == ref->h && got->w == ref->w);
    size_t n = convtool_tensor_count(ref);
    for (size_t i = 0; i < n; i++) {
        double want = ref->data[i];
        if (fabs((double)got->data[i] - want) > TOLERANCE * (1.0 + fabs(want))) {
            fprintf(stderr, "value %zu of %dx%dx%d: core %.9g, reference %.9g\n", i, ref->c, ref->h,
                    ref->w, got->data[i], want);
            FUZZ_CHECK(!"core differs from the reference");
        }
    }
}

/* Pools outlive the runs: creating threads per input would dominate the time. */
static convtool_pool *pool_of(int threads)
{
    static convtool_pool *pools[4];
    if (!pools[threads])
        FUZZ_CHECK(convtool_pool_create(threads, &pools[threads]) == CONVTOOL_OK);
    return pools[threads];
}

static void run(const struct problem *p)
{
    convtool_geometry g;
    convtool_tensor one = {0}, three = {0}, ref = {0};
    convtool_status st = convtool_geometry_resolve(&p->spec, p->in.h, p->in.w, p->k.h, p->k.w, &g);
    if (st != CONVTOOL_OK) {
        FUZZ_CHECK(st == CONVTOOL_EGEOMETRY);
        return;
    }
    FUZZ_CHECK(g.out_h >= 1 && g.out_w >= 1);
    FUZZ_CHECK(g.pad_top >= 0 && g.pad_bottom >= 0 && g.pad_left >= 0 && g.pad_right >= 0);
    FUZZ_CHECK(convtool_conv2d(&p->in, &p->k, &g, p->bias, pool_of(1), &one) == CONVTOOL_OK);
    FUZZ_CHECK(convtool_conv2d(&p->in, &p->k, &g, p->bias, pool_of(3), &three) == CONVTOOL_OK);
    FUZZ_CHECK(ref_conv2d(&p->in, &p->k, &g, p->bias, &ref) == CONVTOOL_OK);
    FUZZ_CHECK(one.c == three.c && one.h == three.h && one.w == three.w);
    FUZZ_CHECK(memcmp(one.data, three.data, convtool_tensor_count(&one) * sizeof(float)) == 0);
    compare_with_reference(&one, &ref);
    convtool_tensor_free(&one);
    convtool_tensor_free(&three);
    convtool_tensor_free(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_reader r = {data, size, 0};
    struct problem p = {0};
    if (read_problem(&r, &p) == 0)
        run(&p);
    convtool_tensor_free(&p.in);
    convtool_kernel_free(&p.k);
    return 0;
}
