/* Floats to 8-bit samples, shared by the encoder and the fused 8-bit path. */
#ifndef CONVTOOL_QUANTIZE_H
#define CONVTOOL_QUANTIZE_H

/*
 * round(clamp(v, 0, 1) · 255), NaN → 0, without roundf: x − trunc(x) is exact
 * for 0 ≤ x ≤ 255, so adding 1 when it is at least ½ rounds half away from
 * zero exactly as roundf does, and loops over it vectorise (with
 * -fno-trapping-math, which changes no value).
 */
static inline unsigned char quantize8(float v)
{
    float x = v < 1.0f ? v * 255.0f : 255.0f;
    x = v > 0.0f ? x : 0.0f; /* last, so NaN (every comparison false) gives 0 */
    int r = (int)x;
    return (unsigned char)(r + (x - (float)r >= 0.5f));
}

#endif
