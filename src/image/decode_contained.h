/* PNG and JPEG decoding, contained: see decode_contained.c. */
#ifndef CONVTOOL_DECODE_CONTAINED_H
#define CONVTOOL_DECODE_CONTAINED_H

#include <stddef.h>

#include "convtool/convtool.h"

/* Decoded samples, interleaved, malloc'ed (free() releases them). */
struct raw_image {
    unsigned char *data;
    size_t bytes; /* width·height·channels·bit_depth/8, exactly as the probe predicted */
};

/*
 * Decodes a PNG or JPEG that convtool_image_probe() and image_check_complete()
 * accepted into *raw, in this thread's contained worker (sandbox_worker.h)
 * unless opts->no_sandbox or CONVTOOL_SANDBOX=0. CONVTOOL_EMEMLIMIT when the
 * decoder needed more than its budget (opts->max_memory, or twice the
 * header's estimate), EHOSTILE when the worker crashed, was killed or timed out. Release with raw_image_release().
 */
convtool_status decode_contained(const unsigned char *bytes, size_t len,
                                 const convtool_image_info *info, const convtool_load_options *opts,
                                 struct raw_image *raw);
void raw_image_release(struct raw_image *raw);

struct sandbox_limits;
/*
 * A decode's limits in the worker: memory its address-space need, CPU time
 * generous for the image's size (a decoder caught in a loop meets it), the
 * deadline twice that (CONVTOOL_DECODE_WALL_MS may lower it, for tests).
 */
void decode_sandbox_limits(const convtool_image_info *info, uint64_t memory,
                           struct sandbox_limits *lim);

#endif
