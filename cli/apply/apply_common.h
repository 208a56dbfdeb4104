/* What the float and the fused pixel pipelines of `apply` share. */
#ifndef CONVTOOL_CLI_APPLY_COMMON_H
#define CONVTOOL_CLI_APPLY_COMMON_H

#include "apply/apply.h"

/* The geometry of one kernel over an in_h×in_w input, explained on failure. */
int apply_geometry(const struct apply_job *job, const struct prepared_kernel *pk, int in_h,
                   int in_w, convtool_geometry *g);

/*
 * The method convtool_conv2d will run for pk over `channels` planes of g;
 * with --show-kernel or --verbose one line says which and why. An exit code.
 */
int apply_method(const struct apply_job *job, const struct prepared_kernel *pk,
                 const convtool_geometry *g, int channels);

/*
 * SPEC: one warning when clamping cut off too many of the values. kernel_sum
 * (the sum of the taps as applied, after --scale) tells edge kernels (sum 0
 * or negative: more than 10 %, advice --map abs or shift) from image kernels
 * (positive sum: more than 25 %, advice to lower the strength or keep the
 * floats, or --normalize for sums past 1.5; for a 4-D weight, which
 * --normalize refuses, --scale).
 */
void apply_warn_clipped(const char *path, size_t clipped, size_t total, double kernel_sum,
                        int weight);

/* The kernel sum of what a job writes into one output (combined, chained or kernel k). */
double apply_output_sum(const struct apply_job *job, int k);

/*
 * Whether the kernel's sums can pass float32's 3.4e38 for inputs of at most
 * max_input in magnitude (1 for 8- and 16-bit images). Static: no pixel read.
 */
int apply_may_overflow(const struct prepared_kernel *pk, double max_input);

/*
 * One warning when pk's result out holds inf or NaN that the input in did
 * not (skipped when bound, the largest |input| or -1 if unknown, shows the
 * sums cannot overflow): the sums overflowed float32. Names the input and a --scale that fits.
 */
void apply_warn_overflow(const struct apply_job *job, const struct prepared_kernel *pk,
                         double bound, const convtool_tensor *in, const convtool_tensor *out);

/*
 * apply_warn_overflow from counts gathered a strip at a time (the .npy strip
 * engine): nonfinite and nans among the results, input_peak the largest
 * |value| of the whole input or −1 if it held inf or NaN.
 */
void apply_warn_overflow_found(const struct apply_job *job, const struct prepared_kernel *pk,
                               size_t nonfinite, size_t nans, double input_peak);
/* Adds v's inf and NaN values to *nonfinite and its NaNs to *nans. */
void apply_count_nonfinite(const float *v, size_t n, size_t *nonfinite, size_t *nans);
/* max(peak, the largest |value| of v), or −1 once a value is inf or NaN (or peak is −1). */
double apply_finite_peak(const float *v, size_t n, double peak);

/* The same for --combine: values that are inf or NaN only after combining the parts. */
void apply_warn_combine_overflow(const struct apply_job *job, const convtool_tensor *parts,
                                 size_t count, const convtool_tensor *combined);

/* Alpha follows the colours' geometry as a delta at the kernel's anchor tap,
 * row (kh−1)/2, column (kw−1)/2. Free with convtool_kernel_free. */
convtool_status apply_delta_kernel(const convtool_geometry *g, convtool_kernel *delta);

/* Writes an encoded file atomically, printing any failure. */
int apply_write(const char *path, const convtool_buffer *encoded);
/* The message for a failed write to path (a refused link, a FIFO, errno's reason). */
void apply_explain_write_failure(const char *path, const convtool_write_detail *d, int err);

#endif
