/* --bias: one number, a comma list, or a .npy of shape (O,). */
#ifndef CONVTOOL_CLI_APPLY_BIAS_H
#define CONVTOOL_CLI_APPLY_BIAS_H

#include "apply/apply.h"

/* Parses --bias into o (bias, or biases and bias_count); returns an exit code after any error. */
int apply_parse_bias(const char *arg, struct apply_options *o);

/*
 * Checks that a --bias list fits `outputs` channels (what the weight's O, or
 * the channels a depthwise kernel filters, make) of `input`; prints the error.
 */
int apply_check_bias(const struct apply_options *o, const char *input, int outputs,
                     const char *what);

/* The bias of output channel c: the list's value, or the one number. */
float apply_bias_of(const struct apply_options *o, int c);

#endif
