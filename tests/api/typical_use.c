/*
 * The "Typical use" block at the top of include/convtool/convtool.h, as a
 * program: read → decode → kernel → geometry → conv2d → encode → write.
 * ctest `api/typical_use` runs it and checks that its file equals
 * `convtool apply -k sharpen --strip all IN OUT` (the example carries no
 * metadata), so the header's example stays true.
 */
#include <stdio.h>

#include "convtool/convtool.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: typical_use IN.png OUT.png\n");
        return 2;
    }
    convtool_buffer file = {0}, png = {0};
    convtool_image img = {0};
    convtool_kernel k = {0};
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_tensor out = {0};
    convtool_status st = convtool_read_image(argv[1], 0, &file);
    if (st == CONVTOOL_OK)
        st = convtool_image_decode(file.data, file.len, NULL, &img);
    if (st == CONVTOOL_OK)
        st = convtool_builtin_kernel("sharpen", &k);
    convtool_geometry_spec_default(&spec);
    if (st == CONVTOOL_OK)
        st = convtool_geometry_resolve(&spec, img.tensor.h, img.tensor.w, k.h, k.w, &g);
    if (st == CONVTOOL_OK)
        st = convtool_conv2d(&img.tensor, &k, &g, 0.0f, NULL, &out);
    if (st == CONVTOOL_OK)
        st = convtool_image_encode(&out, &(convtool_save_options){.format = CONVTOOL_FORMAT_PNG},
                                   &png);
    if (st == CONVTOOL_OK)
        st = convtool_write_file_atomic(argv[2], png.data, png.len);
    if (st != CONVTOOL_OK)
        fprintf(stderr, "typical_use: %s\n", convtool_strerror(st));
    convtool_buffer_free(&png);
    convtool_tensor_free(&out);
    convtool_kernel_free(&k);
    convtool_image_free(&img);
    convtool_buffer_free(&file);
    return st == CONVTOOL_OK ? 0 : 1;
}
