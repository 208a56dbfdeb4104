/*
 * Splitting a padded row into its stride phases: phase p holds the elements
 * p, p + s, p + 2s, … so that every tap of a strided convolution reads
 * contiguous floats (see core.c).
 */
#ifndef CONVTOOL_DEINTERLEAVE_H
#define CONVTOOL_DEINTERLEAVE_H

/*
 * dst + p·phase_len receives line[p], line[p + stride], … for each phase
 * p < stride, taking the n floats of line; phase_len ≥ ceil(n / stride).
 * Elements of a phase past the end of line are left as they were.
 */
void deinterleave_row(const float *line, int n, int stride, int phase_len, float *dst);

#endif
