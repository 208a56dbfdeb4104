/*
 * A user of the installed libconvtool: seed example 2 of the spec (4x4 ones,
 * kernel "1 1; 1 1", stride 3, padding 1, zeros) through the public header
 * only, plus one lookup in the compiled-in kernel library. Prints
 *   [[1 2] [2 4]] sobel 3x3
 */
#include <convtool/convtool.h>
#include <stdio.h>
#include <string.h>

static convtool_status make_input(convtool_tensor *in)
{
    convtool_status st = convtool_tensor_alloc(in, 1, 4, 4);
    if (st == CONVTOOL_OK)
        for (size_t i = 0; i < convtool_tensor_count(in); i++)
            in->data[i] = 1.0f;
    return st;
}

static void print_tensor(const convtool_tensor *t)
{
    printf("[");
    for (int y = 0; y < t->h; y++) {
        printf(y ? " [" : "[");
        for (int x = 0; x < t->w; x++)
            printf(x ? " %g" : "%g", t->data[y * t->w + x]);
        printf("]");
    }
    printf("]");
}

static convtool_status run(void)
{
    static const char text[] = "1 1; 1 1";
    convtool_tensor in = {0}, out = {0};
    convtool_kernel k = {0}, sobel = {0};
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_status st = make_input(&in);
    if (st == CONVTOOL_OK)
        st = convtool_kernel_parse(text, strlen(text), "ones", &k, NULL);
    if (st == CONVTOOL_OK) {
        convtool_geometry_spec_default(&spec);
        spec.stride_y = spec.stride_x = 3;
        spec.padding = CONVTOOL_PADDING_EXPLICIT;
        spec.pad_y = spec.pad_x = 1;
        spec.mode = CONVTOOL_PAD_ZEROS;
        st = convtool_geometry_resolve(&spec, in.h, in.w, k.h, k.w, &g);
    }
    if (st == CONVTOOL_OK)
        st = convtool_conv2d(&in, &k, &g, 0.0f, NULL, &out);
    if (st == CONVTOOL_OK)
        st = convtool_builtin_kernel("sobel", &sobel);
    if (st == CONVTOOL_OK) {
        print_tensor(&out);
        printf(" %s %dx%d\n", sobel.name, sobel.w, sobel.h);
    }
    convtool_kernel_free(&sobel);
    convtool_kernel_free(&k);
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    return st;
}

int main(void)
{
    convtool_status st = run();
    if (st != CONVTOOL_OK) {
        fprintf(stderr, "example: %s\n", convtool_strerror(st));
        return 1;
    }
    return 0;
}
