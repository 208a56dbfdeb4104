/*
 * The transformed weights U of Winograd channel mixing (mix_winograd_weights.c),
 * kept from one call to the next: a batch calls convtool_conv2d_mix once per
 * item with the same weights, and transforming them cost as much as a tenth
 * of an item's whole work at 64 channels on 56×56.
 */
#ifndef CONVTOOL_MIX_WINOGRAD_WEIGHTS_H
#define CONVTOOL_MIX_WINOGRAD_WEIGHTS_H

#include "convtool/convtool.h"

/* Weights up to this size of U are kept after the call (one set, process-wide). */
#define WINO_KEPT_BYTES (16u << 20)

struct wino_weights;

/*
 * U of wt (WINO_POSITIONS × O × c_per_group, wino_weights's layout) into *u:
 * the kept set when its weights are byte for byte wt's, else transformed now
 * (on the pool) and kept when small enough. *held is for wino_weights_release;
 * CONVTOOL_ENOMEM when out of memory (nothing held then).
 */
convtool_status wino_weights_acquire(const convtool_weight *wt, convtool_pool *pool,
                                     const float **u, struct wino_weights **held);

void wino_weights_release(struct wino_weights *held);

#endif
