/* How float results become pixel values: --map modes and the clipping count. */
#include <math.h>
#include <strings.h>

#include "convtool/convtool.h"

static const char *const map_names[] = {"clamp", "abs", "shift", "normalize"};

convtool_status convtool_map_parse(const char *text, convtool_map *map)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, map_names[i]) == 0) {
            *map = (convtool_map)i;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

/* Min–max stretch of one channel; a constant channel maps to 0 (SPEC). */
static void normalize_plane(float *v, size_t n)
{
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    float range = hi - lo;
    for (size_t i = 0; i < n; i++)
        v[i] = range > 0.0f ? (v[i] - lo) / range : 0.0f;
}

void convtool_map_apply(convtool_tensor *t, convtool_map map)
{
    size_t plane = (size_t)t->h * (size_t)t->w, n = convtool_tensor_count(t);
    switch (map) {
    case CONVTOOL_MAP_CLAMP:
        break; /* quantization clamps */
    case CONVTOOL_MAP_ABS:
        for (size_t i = 0; i < n; i++)
            t->data[i] = fabsf(t->data[i]);
        break;
    case CONVTOOL_MAP_SHIFT:
        for (size_t i = 0; i < n; i++)
            t->data[i] = (t->data[i] + 1.0f) * 0.5f;
        break;
    case CONVTOOL_MAP_NORMALIZE:
        for (int c = 0; c < t->c; c++)
            normalize_plane(t->data + (size_t)c * plane, plane);
        break;
    }
}

size_t convtool_count_clipped(const convtool_tensor *t)
{
    size_t n = convtool_tensor_count(t), clipped = 0;
    for (size_t i = 0; i < n; i++)
        clipped += !(t->data[i] >= 0.0f && t->data[i] <= 1.0f);
    return clipped;
}
