/* The geometry options shared by `apply` and `shape`: -s, -p, -d, -m. */
#ifndef CONVTOOL_CLI_GEOMETRY_OPTS_H
#define CONVTOOL_CLI_GEOMETRY_OPTS_H

#include "convtool/convtool.h"

#define GEOMETRY_SHORT_OPTS "s:p:d:m:"
#define GEOMETRY_LONG_OPTS                                                                    \
    {"stride", 1, NULL, 's'}, {"padding", 1, NULL, 'p'}, {"dilation", 1, NULL, 'd'},          \
        {"pad-mode", 1, NULL, 'm'}

#define GEOMETRY_HELP                                                                         \
    "  -s, --stride N|SY,SX      step of the kernel (default 1)\n"                           \
    "  -p, --padding N|PY,PX|same|valid\n"                                                    \
    "                            pad on each side; same pads d*(k-1) in total, the\n"         \
    "                            extra pixel bottom/right (default same)\n"                   \
    "  -d, --dilation N|DY,DX    spacing between kernel taps (default 1)\n"                   \
    "  -m, --pad-mode MODE       zeros, replicate, reflect (dcb|abcd), symmetric\n"           \
    "                            (cba|abcd), circular (default replicate)\n"

/* Handles one of the options above; returns 0, or 2 after printing the error. */
int geometry_option(int opt, const char *arg, convtool_geometry_spec *spec);

/*
 * --torch for apply and shape: F.conv2d's defaults (padding 0, zeros) where -p
 * and -m were not given, and its refusal of padding same with a stride
 * (returns 2 after the error); without --torch, an explicit same with a
 * stride gets a warning that torch would refuse it. Returns 0 otherwise.
 */
int geometry_torch_rules(convtool_geometry_spec *g, int torch, int padding_given,
                         int mode_given);

/* Prints the padding-mode aliases for --help. */
void geometry_print_aliases(void);

/* Explains a geometry error for one input size: which axis and the numbers. */
void geometry_explain_error(const char *input, const convtool_geometry_spec *spec, int in_h,
                            int in_w, const convtool_kernel *k);

#endif
