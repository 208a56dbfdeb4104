/* One layer's words ("conv 64 k3 s2 p1") into a struct layer; used by shape_parse.c. */
#ifndef CONVTOOL_CLI_SHAPE_WORDS_H
#define CONVTOOL_CLI_SHAPE_WORDS_H

#include <stddef.h>

#include "shape/shape_layers.h"

#define LAYER_WORDS_MAX 16

/* A word of the source text: not NUL-terminated. */
struct word {
    const char *text;
    size_t len;
    int line, column;
};

/* The word equals `s`, ignoring case. */
int word_is(const struct word *w, const char *s);

/* A whole number min..max; returns 0, or -1 with a reason in why. */
int word_int(const struct word *w, long min, long max, int *out, char *why, size_t why_size);

/*
 * Builds a layer from its words (words[0] is the type). Returns 0, or -1
 * with *bad the index of the word at fault and why the reason.
 */
int layer_from_words(const struct word *words, int n, struct layer *l, int *bad, char *why,
                     size_t why_size);

#endif
