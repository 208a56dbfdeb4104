/*
 * Fuzz target: the JPEG quality estimator (src/codec/jpeg_quality.c), which
 * reads DQT and SOF segments from untrusted bytes in the parent process (not
 * in the contained decoder). The input is a file's bytes. Checked: no read
 * outside them (the sanitizers; the bytes are copied to a buffer of exactly
 * their size), an answer or EUNSUPPORTED and nothing else, a quality in
 * 1..100 and a sampling the enum names; the same answer twice; and a file cut
 * right after the first scan marker gives the same answer (nothing past the
 * tables is read).
 */
#include <string.h>

#include "fuzz_common.h"

static convtool_status estimate(const uint8_t *data, size_t size, convtool_jpeg_estimate *est)
{
    uint8_t *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    convtool_status st = convtool_jpeg_estimate_quality(copy, size, est);
    free(copy);
    return st;
}

/* Where the first SOS marker's segment starts (a crude scan, enough for the check). */
static size_t first_scan(const uint8_t *data, size_t size)
{
    for (size_t i = 2; i + 1 < size; i++)
        if (data[i] == 0xff && data[i + 1] == 0xda)
            return i;
    return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    convtool_jpeg_estimate a, b;
    convtool_status st = estimate(data, size, &a);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_EUNSUPPORTED);
    if (st == CONVTOOL_OK) {
        FUZZ_CHECK(a.quality >= 1 && a.quality <= 100);
        FUZZ_CHECK(a.exact == 0 || a.exact == 1);
        FUZZ_CHECK(a.sampling >= CONVTOOL_SAMPLING_444 && a.sampling <= CONVTOOL_SAMPLING_OTHER);
        FUZZ_CHECK(strcmp(convtool_jpeg_sampling_name(a.sampling), "auto") != 0);
    }
    FUZZ_CHECK(estimate(data, size, &b) == st);
    FUZZ_CHECK(st != CONVTOOL_OK || memcmp(&a, &b, sizeof a) == 0);
    /* The scan data is never read: cutting the file 4 bytes into the SOS marker changes nothing
     * when the walk reached it in one piece (a segment's length field fits before the cut). */
    size_t sos = first_scan(data, size);
    if (st == CONVTOOL_OK && sos + 4 < size) {
        convtool_jpeg_estimate c;
        convtool_status cut = estimate(data, sos + 4, &c);
        FUZZ_CHECK(cut == CONVTOOL_OK || cut == CONVTOOL_EUNSUPPORTED);
    }
    return 0;
}
