/* Interleaved 8/16-bit pixel buffers. */
#include <stdlib.h>
#include <string.h>

#include "common/big_alloc.h"
#include "convtool/convtool.h"

convtool_status convtool_pixels_alloc(convtool_pixels *px, int width, int height, int channels,
                                      int depth)
{
    memset(px, 0, sizeof *px);
    if (width < 1 || height < 1 || channels < 1 || channels > 4 || (depth != 8 && depth != 16))
        return CONVTOOL_EINVAL;
    size_t bytes;
    if (convtool_mul_size((size_t)width, (size_t)height, (size_t)channels, (size_t)depth / 8,
                          &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    px->data = big_alloc(bytes);
    if (!px->data)
        return CONVTOOL_ENOMEM;
    *px = (convtool_pixels){width, height, channels, depth, px->data};
    return CONVTOOL_OK;
}

void convtool_pixels_free(convtool_pixels *px)
{
    if (!px)
        return;
    free(px->data);
    memset(px, 0, sizeof *px);
}
