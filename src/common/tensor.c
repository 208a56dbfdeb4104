/* Tensor allocation with overflow-checked sizes. */
#include <stdlib.h>
#include <string.h>

#include "common/big_alloc.h"
#include "convtool/convtool.h"

convtool_status convtool_tensor_alloc(convtool_tensor *t, int c, int h, int w)
{
    memset(t, 0, sizeof *t);
    if (c <= 0 || h <= 0 || w <= 0)
        return CONVTOOL_EINVAL;
    size_t bytes;
    if (convtool_mul_size((size_t)c, (size_t)h, (size_t)w, sizeof(float), &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    t->data = big_alloc(bytes);
    if (!t->data)
        return CONVTOOL_ENOMEM;
    t->c = c;
    t->h = h;
    t->w = w;
    return CONVTOOL_OK;
}

size_t convtool_tensor_count(const convtool_tensor *t)
{
    if (!t->data)
        return 0;
    return (size_t)t->c * (size_t)t->h * (size_t)t->w;
}

void convtool_tensor_free(convtool_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    memset(t, 0, sizeof *t);
}
