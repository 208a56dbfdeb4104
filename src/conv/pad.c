/*
 * The padding modes as index arithmetic. The core pads each input row once
 * into scratch (the libvips way: pad first, then a plain "valid"
 * correlation), so only border pixels pay for this.
 */
#include "conv/pad.h"

int pad_source_index(int i, int n, convtool_pad_mode mode)
{
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case CONVTOOL_PAD_ZEROS:
        return -1;
    case CONVTOOL_PAD_REPLICATE:
        return i < 0 ? 0 : n - 1;
    case CONVTOOL_PAD_REFLECT: /* dcb|abcd|cba */
        if (n == 1)
            return 0;
        return i < 0 ? -i : 2 * (n - 1) - i;
    case CONVTOOL_PAD_SYMMETRIC: /* cba|abcd|dcb */
        return i < 0 ? -i - 1 : 2 * n - 1 - i;
    case CONVTOOL_PAD_CIRCULAR:
        return ((i % n) + n) % n;
    }
    return -1;
}
