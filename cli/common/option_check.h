/*
 * Checks every command runs on each option getopt_long returns, against the
 * two ways a command line silently means something else: a single-valued
 * option given twice (the second replaced the first), and a file name that
 * starts with '-' read as an option with a value glued on (`-odd-name.png`
 * is `-o dd-name.png`, `-sharp.png` is `--stride harp.png`).
 */
#ifndef CONVTOOL_CLI_OPTION_CHECK_H
#define CONVTOOL_CLI_OPTION_CHECK_H

#include <getopt.h>

#define OPTION_CHECK_MAX 64

/* The values seen so far, by option code. Zero-initialise (with .longs) before getopt. */
struct option_history {
    const struct option *longs; /* the command's long options: `-stride 2` is refused */
    int codes[OPTION_CHECK_MAX];
    const char *values[OPTION_CHECK_MAX];
    int count;
};

/*
 * Call right after getopt_long returned opt with a value in optarg, for
 * options that take one value (not repeatable ones such as -k). Refuses,
 * printing why: the option given before with another value, a value glued
 * to a short option that looks like an image file name, or a long option
 * written with one dash (`-stride 2`, ImageMagick's style). Returns 0 or 2.
 */
int option_check_value(struct option_history *h, int opt, char **argv);

/*
 * After an option's value was refused: if the value came glued to a short
 * option (`-sharp.png`), prints the hint about file names starting with '-'.
 */
void option_hint_dash_file(const char *value, char **argv);

/* Whether name ends in an image or tensor extension (.png, .jpg, .npy, …). */
int option_looks_like_image(const char *name);

#endif
