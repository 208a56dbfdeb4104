/* One layer's words into a struct layer: the type, its positional number, its options. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/numparse.h"
#include "shape/shape_words.h"

#define COUNT_MAX (1L << 24) /* channels, features, groups */
#define STEP_MAX 65536L      /* kernel sides, strides, dilations (as the -s/-d options) */
#define PAD_MAX (1L << 20)   /* as the -p option */
#define WORD_MAX 64

enum {
    OPT_K = 1 << 0,
    OPT_S = 1 << 1,
    OPT_P = 1 << 2, /* a number, or same/valid where OPT_SAME_VALID allows them */
    OPT_D = 1 << 3,
    OPT_G = 1 << 4,
    OPT_NOBIAS = 1 << 5,
    OPT_CEIL = 1 << 6,
    OPT_SAME_VALID = 1 << 7,
};

enum positional { POS_NONE, POS_COUNT, POS_SIZE };

struct kind_info {
    const char *name;
    enum layer_kind kind;
    enum positional pos;
    unsigned opts;
    const char *usage;
};

#define CONV_OPTS (OPT_K | OPT_S | OPT_P | OPT_SAME_VALID | OPT_D | OPT_G | OPT_NOBIAS)
#define CONV_USAGE "conv C kK|kWxH [sN|sY,X] [pN|pY,X|same|valid] [dN] [gN] [nobias]"
#define MAXPOOL_USAGE "maxpool kK [sN] [pN] [dN] [ceil]"
#define AVGPOOL_USAGE "avgpool kK [sN] [pN] [ceil]"
#define ADAPTIVE_USAGE "adaptive_avgpool N|WxH"
#define LINEAR_USAGE "linear N [nobias]"

static const struct kind_info kinds[] = {
    {"conv", LAYER_CONV, POS_COUNT, CONV_OPTS, CONV_USAGE},
    {"conv2d", LAYER_CONV, POS_COUNT, CONV_OPTS, CONV_USAGE},
    {"maxpool", LAYER_MAXPOOL, POS_NONE, OPT_K | OPT_S | OPT_P | OPT_D | OPT_CEIL, MAXPOOL_USAGE},
    {"maxpool2d", LAYER_MAXPOOL, POS_NONE, OPT_K | OPT_S | OPT_P | OPT_D | OPT_CEIL, MAXPOOL_USAGE},
    {"avgpool", LAYER_AVGPOOL, POS_NONE, OPT_K | OPT_S | OPT_P | OPT_CEIL, AVGPOOL_USAGE},
    {"avgpool2d", LAYER_AVGPOOL, POS_NONE, OPT_K | OPT_S | OPT_P | OPT_CEIL, AVGPOOL_USAGE},
    {"adaptive_avgpool", LAYER_ADAPTIVE_AVGPOOL, POS_SIZE, 0, ADAPTIVE_USAGE},
    {"adaptiveavgpool2d", LAYER_ADAPTIVE_AVGPOOL, POS_SIZE, 0, ADAPTIVE_USAGE},
    {"gap", LAYER_ADAPTIVE_AVGPOOL, POS_NONE, 0, "gap"},
    {"flatten", LAYER_FLATTEN, POS_NONE, 0, "flatten"},
    {"linear", LAYER_LINEAR, POS_COUNT, OPT_NOBIAS, LINEAR_USAGE},
    {"fc", LAYER_LINEAR, POS_COUNT, OPT_NOBIAS, LINEAR_USAGE},
    {"bn", LAYER_BATCHNORM, POS_NONE, 0, "bn"},
    {"batchnorm", LAYER_BATCHNORM, POS_NONE, 0, "bn"},
    {"batchnorm2d", LAYER_BATCHNORM, POS_NONE, 0, "bn"},
    {"relu", LAYER_RELU, POS_NONE, 0, "relu"},
    {"dropout", LAYER_DROPOUT, POS_NONE, 0, "dropout"},
};
#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

/* The JSON names, in enum layer_kind order. */
static const char *const kind_names[] = {
    "conv", "maxpool", "avgpool", "adaptive_avgpool", "flatten", "linear", "bn", "relu", "dropout"};

const char *layer_kind_name(enum layer_kind kind)
{
    return kind_names[kind];
}

int word_is(const struct word *w, const char *s)
{
    return strlen(s) == w->len && strncasecmp(w->text, s, w->len) == 0;
}

/* Copies a word into buf as a C string; 0 if it does not fit. */
static int word_copy(const struct word *w, char *buf, size_t size)
{
    if (w->len >= size)
        return 0;
    memcpy(buf, w->text, w->len);
    buf[w->len] = '\0';
    return 1;
}

int word_int(const struct word *w, long min, long max, int *out, char *why, size_t why_size)
{
    char buf[WORD_MAX];
    const char *reason = "too long";
    if (word_copy(w, buf, sizeof buf) && parse_int_range(buf, min, max, out, &reason) == 0)
        return 0;
    snprintf(why, why_size, "'%.*s': %s", (int)w->len, w->text, reason);
    return -1;
}

/* "3" or "5x3" (width x height), each side 1..max. */
static int parse_side_pair(const char *text, long max, int *w, int *h, const char **why)
{
    if (!strpbrk(text, "xX")) {
        if (parse_int_range(text, 1, max, w, why) != 0)
            return -1;
        *h = *w;
        return 0;
    }
    int bad = parse_size_wxh(text, w, h, NULL, why) != 0;
    if (bad && strncmp(*why, "expected", 8) == 0) {
        *why = "expected N or WxH (width x height)";
        return -1;
    }
    if (bad || *w > max || *h > max) {
        *why = max == STEP_MAX ? "each side must be 1..65536" : "each side must be 1..16777216";
        return -1;
    }
    return 0;
}

static const struct kind_info *find_kind(const struct word *w)
{
    for (size_t i = 0; i < KIND_COUNT; i++)
        if (word_is(w, kinds[i].name))
            return &kinds[i];
    return NULL;
}

/* A flag word (same, valid, nobias, ceil): its option bit, or 0. */
static unsigned flag_bit(const struct word *w, struct layer *l)
{
    if (word_is(w, "same") || word_is(w, "valid")) {
        l->padding = word_is(w, "same") ? CONVTOOL_PADDING_SAME : CONVTOOL_PADDING_VALID;
        return OPT_SAME_VALID;
    }
    if (word_is(w, "nobias")) {
        l->bias = 0;
        return OPT_NOBIAS;
    }
    if (word_is(w, "ceil")) {
        l->ceil_mode = 1;
        return OPT_CEIL;
    }
    return 0;
}

/* The option bit a lettered word (k3, s2,1, p1, d2, g4) stands for, or 0. */
static unsigned letter_bit(char letter)
{
    switch (tolower((unsigned char)letter)) {
    case 'k':
        return OPT_K;
    case 's':
        return OPT_S;
    case 'p':
        return OPT_P;
    case 'd':
        return OPT_D;
    case 'g':
        return OPT_G;
    }
    return 0;
}

/* The value of a lettered option; 0, or -1 with *why set. */
static int parse_value(unsigned bit, const char *v, struct layer *l, const char **why)
{
    switch (bit) {
    case OPT_K:
        return parse_side_pair(v, STEP_MAX, &l->k_w, &l->k_h, why);
    case OPT_S:
        return parse_int_pair(v, 1, STEP_MAX, &l->stride_y, &l->stride_x, why);
    case OPT_P:
        l->padding = CONVTOOL_PADDING_EXPLICIT;
        return parse_int_pair(v, 0, PAD_MAX, &l->pad_y, &l->pad_x, why);
    case OPT_D:
        return parse_int_pair(v, 1, STEP_MAX, &l->dilation_y, &l->dilation_x, why);
    default:
        return parse_int_range(v, 1, COUNT_MAX, &l->groups, why);
    }
}

static int not_an_option(const struct word *w, const struct kind_info *k, char *why,
                         size_t why_size)
{
    snprintf(why, why_size, "'%.*s' is not an option of %s (%s)", (int)w->len, w->text, k->name,
             k->usage);
    return -1;
}

static int parse_option(const struct word *w, const struct kind_info *k, unsigned *given,
                        struct layer *l, char *why, size_t why_size)
{
    char buf[WORD_MAX];
    const char *reason = "too long";
    unsigned bit = flag_bit(w, l);
    if (bit == OPT_SAME_VALID && (k->opts & OPT_SAME_VALID))
        bit = OPT_P; /* same/valid and pN are one setting */
    else if (bit == 0 && w->len > 0)
        bit = letter_bit(w->text[0]);
    if (bit == 0 || !(k->opts & bit))
        return not_an_option(w, k, why, why_size);
    if (*given & bit) {
        snprintf(why, why_size, "'%.*s': %s given twice", (int)w->len, w->text,
                 bit == OPT_P ? "padding" : "this option");
        return -1;
    }
    if (!flag_bit(w, l) &&
        (!word_copy(w, buf, sizeof buf) || parse_value(bit, buf + 1, l, &reason) != 0)) {
        snprintf(why, why_size, "'%.*s': %s (%s)", (int)w->len, w->text, reason, k->usage);
        return -1;
    }
    *given |= bit;
    return 0;
}

static int parse_positional(const struct word *w, const struct kind_info *k, struct layer *l,
                            char *why, size_t why_size)
{
    char buf[WORD_MAX];
    const char *reason = "too long";
    if (k->pos == POS_COUNT)
        return word_int(w, 1, COUNT_MAX, &l->out_c, why, why_size);
    if (word_copy(w, buf, sizeof buf) &&
        parse_side_pair(buf, COUNT_MAX, &l->out_w, &l->out_h, &reason) == 0)
        return 0;
    snprintf(why, why_size, "'%.*s': %s (%s)", (int)w->len, w->text, reason, k->usage);
    return -1;
}

static int join_text(const struct word *words, int n, struct layer *l)
{
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (used + (i > 0) + words[i].len > LAYER_TEXT_MAX)
            return -1;
        if (i > 0)
            l->text[used++] = ' ';
        memcpy(l->text + used, words[i].text, words[i].len);
        used += words[i].len;
    }
    l->text[used] = '\0';
    return 0;
}

/* What a layer needs that has no default: the kernel size of convs and pools. */
static int check_required(const struct kind_info *k, unsigned given, struct layer *l, char *why,
                          size_t why_size)
{
    if ((k->opts & OPT_K) && !(given & OPT_K)) {
        snprintf(why, why_size, "%s needs a kernel size, k3 or k5x3 (width x height): %s", k->name,
                 k->usage);
        return -1;
    }
    if (l->kind != LAYER_CONV && !(given & OPT_S)) { /* pools: stride = kernel */
        l->stride_y = l->k_h;
        l->stride_x = l->k_w;
    }
    return 0;
}

int layer_from_words(const struct word *words, int n, struct layer *l, int *bad, char *why,
                     size_t why_size)
{
    const struct kind_info *k = find_kind(&words[0]);
    *bad = 0;
    if (!k) {
        snprintf(why, why_size,
                 "unknown layer '%.*s' (conv, maxpool, avgpool, adaptive_avgpool, gap, flatten, "
                 "linear, bn, relu, dropout, repeat N { ... })",
                 (int)words[0].len, words[0].text);
        return -1;
    }
    *l = (struct layer){.kind = k->kind,
                        .stride_y = 1,
                        .stride_x = 1,
                        .dilation_y = 1,
                        .dilation_x = 1,
                        .padding = CONVTOOL_PADDING_EXPLICIT,
                        .groups = 1,
                        .bias = 1,
                        .out_h = 1,
                        .out_w = 1};
    int first = 1;
    if (k->pos != POS_NONE) {
        if (n < 2) {
            snprintf(why, why_size, "%s needs a number first: %s", k->name, k->usage);
            return -1;
        }
        *bad = 1;
        if (parse_positional(&words[1], k, l, why, why_size) != 0)
            return -1;
        first = 2;
    }
    unsigned given = 0;
    for (int i = first; i < n; i++) {
        *bad = i;
        if (parse_option(&words[i], k, &given, l, why, why_size) != 0)
            return -1;
    }
    *bad = 0;
    if (check_required(k, given, l, why, why_size) != 0)
        return -1;
    if (join_text(words, n, l) != 0) {
        snprintf(why, why_size, "a layer longer than %d characters", LAYER_TEXT_MAX);
        return -1;
    }
    return 0;
}
