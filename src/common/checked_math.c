/*
 * Overflow-checked products of sizes: every size computed from a header or an
 * option goes through these, so a hostile number is refused, never wrapped.
 */
#include "convtool/convtool.h"

convtool_status convtool_mul_u64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t *out)
{
    uint64_t factors[4] = {a, b, c, d};
    uint64_t product = 1;
    for (int i = 0; i < 4; i++) {
        if (factors[i] != 0 && product > UINT64_MAX / factors[i])
            return CONVTOOL_EOVERFLOW;
        product *= factors[i];
    }
    *out = product;
    return CONVTOOL_OK;
}

/* The 64-bit product (convtool_mul_u64 above), then whether size_t holds it. */
convtool_status convtool_mul_size(size_t a, size_t b, size_t c, size_t d, size_t *out)
{
    uint64_t product;
    if (convtool_mul_u64(a, b, c, d, &product) != CONVTOOL_OK || product > SIZE_MAX)
        return CONVTOOL_EOVERFLOW;
    *out = (size_t)product;
    return CONVTOOL_OK;
}
