/* Floats to 8- and 16-bit samples, shared by the encoder and the fused pixel path. */
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

/*
 * round(clamp(v, 0, 1) · 65535), NaN → 0, the same way: a float holds every
 * integer to 2^24, so x − trunc(x) is exact for 0 ≤ x ≤ 65535 too.
 */
static inline unsigned short quantize16(float v)
{
    float x = v < 1.0f ? v * 65535.0f : 65535.0f;
    x = v > 0.0f ? x : 0.0f;
    int r = (int)x;
    return (unsigned short)(r + (x - (float)r >= 0.5f));
}

#endif
