/* Padding: where a padded coordinate reads from. */
#ifndef CONVTOOL_PAD_H
#define CONVTOOL_PAD_H

#include "convtool/convtool.h"

/*
 * Maps index i of a padded axis (i may be < 0 or ≥ n) to the source index in
 * [0, n), or −1 where the mode gives zero. reflect/symmetric need the pad to
 * be narrower than n, which convtool_geometry_resolve guarantees.
 */
int pad_source_index(int i, int n, convtool_pad_mode mode);

#endif
