/*
 * "Did you mean ...?" for names a user mistyped: kernel names, commands, long
 * options. A candidate is offered when it is within a small edit distance
 * (Damerau-Levenshtein, adjacent swaps count one), ignoring case.
 */
#ifndef CONVTOOL_CLI_SUGGEST_H
#define CONVTOOL_CLI_SUGGEST_H

#include <getopt.h>
#include <stddef.h>

#define SUGGEST_NAME_MAX 128

/* The best candidate so far for one mistyped word. */
struct suggestion {
    char word[SUGGEST_NAME_MAX]; /* what the user wrote (cut to fit) */
    int best;                    /* the distance of name; above the limit while none fits */
    char name[SUGGEST_NAME_MAX]; /* "" while none fits */
};

/* Distance between a and b[0..b_len), case folded; a large number past 64 bytes. */
int suggest_distance(const char *a, const char *b, size_t b_len);

/* word[0..len) is what the user wrote. */
void suggestion_init(struct suggestion *s, const char *word, size_t len);

/* Considers candidate[0..len); keeps it if it is the nearest so far and near enough. */
void suggestion_offer(struct suggestion *s, const char *candidate, size_t len);

/*
 * The nearest built-in kernel name, or file name (without .txt, .mat, .npy)
 * in kernels_dir (may be NULL), to name; NULL if none is near.
 */
const char *suggest_kernel_name(const char *name, const char *kernels_dir, struct suggestion *s);

/*
 * For getopt_long's '?': the long option of opts nearest to the one the user
 * wrote (arg: "--strde" or "--strde=2"), without its dashes ("stride"); NULL if arg is not a
 * long option or none is near.
 */
const char *suggest_long_option(const char *arg, const struct option *opts, struct suggestion *s);

/*
 * Prints "CMD: unknown option 'ARG'[; did you mean --NAME?] (see 'convtool
 * CMD --help')" for getopt_long's '?' (call it right there: it reads optind
 * and optopt). A command's option parser can call this instead of its own
 * message to get long-option suggestions.
 */
void suggest_unknown_option(const char *cmd, char **argv, const struct option *opts);

#endif
