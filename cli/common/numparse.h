/*
 * Strict number parsing for command-line options. Each function returns 0 on
 * success, or -1 and sets *why to a short lowercase reason ("trailing
 * characters", "out of range 1..4096") for the caller's message, which names
 * the option and the text. A reason may live in a static buffer: use it
 * before the next call. Nothing is written to the outputs on failure.
 */
#ifndef CONVTOOL_CLI_NUMPARSE_H
#define CONVTOOL_CLI_NUMPARSE_H

#include <stdint.h>

/* Largest width or height accepted by parse_size_wxh, and largest channel count. */
#define NUMPARSE_MAX_SIDE (1L << 30)
#define NUMPARSE_MAX_CHANNELS 4096L

/* Plain decimal ("-3", "042"); no spaces, '+', hex, fractions or junk. min..max ⊆ int. */
int parse_int_range(const char *text, long min, long max, int *out, const char **why);

/* "N" (a = b = N) or "A,B", each in min..max. */
int parse_int_pair(const char *text, long min, long max, int *a, int *b, const char **why);

/* A finite decimal ("0.5", "-2", "1e-3") or a fraction of two ("1/16"). */
int parse_double_finite(const char *text, double *out, const char **why);

/*
 * "WxH" or "WxHxC" ('x' or 'X'), width first; sides 1..2^30, channels
 * 1..4096. *c is 0 when no channel count is given. With c == NULL only "WxH"
 * is accepted.
 */
int parse_size_wxh(const char *text, int *w, int *h, int *c, const char **why);

/* A whole number with an optional k, K, M or G suffix (×1000, ×10^6, ×10^9). */
int parse_u64(const char *text, uint64_t *out, const char **why);

#endif
