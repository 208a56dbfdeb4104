/*
 * `convtool shape --layers/--net`: a chain of network layers, parsed from a
 * small text syntax and walked shape by shape. The CLI side only: output sizes
 * of convolutions and pools come from the library's convtool_output_size, the
 * same function `apply` uses.
 *
 *   conv C [kK|kWxH] [sN|sY,X] [pN|pY,X|same|valid] [dN|dY,X] [gN] [nobias]
 *   maxpool kK [sN] [pN] [dN] [ceil]      (stride defaults to the kernel)
 *   avgpool kK [sN] [pN] [ceil]
 *   adaptive_avgpool N|WxH   gap (= adaptive_avgpool 1)   flatten
 *   linear N [nobias]        bn   relu   dropout           (bn/relu/dropout keep the shape)
 *   repeat N { LAYER; LAYER ... }
 *
 * Layers are separated by ';' or newlines; '#' starts a comment; a line
 * "description: TEXT" describes a net file. Sizes are width first (k5x3 is 5
 * wide, 3 high) and pairs are Y,X, as in the -k, -s, -p and -d options.
 */
#ifndef CONVTOOL_CLI_SHAPE_LAYERS_H
#define CONVTOOL_CLI_SHAPE_LAYERS_H

#include <stdint.h>

#include "convtool/convtool.h"

#define LAYER_TEXT_MAX 120  /* a layer's own text, as shown in the table */
#define LAYER_LIST_MAX 4096 /* layers after repeats are expanded */

enum layer_kind {
    LAYER_CONV,
    LAYER_MAXPOOL,
    LAYER_AVGPOOL,
    LAYER_ADAPTIVE_AVGPOOL,
    LAYER_FLATTEN,
    LAYER_LINEAR,
    LAYER_BATCHNORM,
    LAYER_RELU,
    LAYER_DROPOUT,
};

struct layer {
    enum layer_kind kind;
    char text[LAYER_TEXT_MAX + 1]; /* the words as written, single-spaced */
    int out_c;                     /* conv: output channels; linear: output features */
    int k_h, k_w, stride_y, stride_x, dilation_y, dilation_x;
    convtool_padding_kind padding;
    int pad_y, pad_x;
    int groups, bias, ceil_mode;
    int out_h, out_w; /* adaptive pooling */
};

/* A growable list of layers; release with layer_list_free(). */
struct layer_list {
    struct layer *items;
    int count, cap;
};

void layer_list_free(struct layer_list *list);

struct layer_parse_error {
    int line, column; /* from 1 */
    char message[200];
};

/*
 * Appends the layers of `text` (repeats expanded) to `list`. Returns 0, or -1
 * with *err set (the list then holds whatever was parsed before). If
 * description is not NULL it receives the text of a "description:" line.
 */
int layers_parse(const char *text, struct layer_list *list, char *description,
                 size_t description_size, struct layer_parse_error *err);

/* The type name used in JSON: "conv", "maxpool", "adaptive_avgpool", ... */
const char *layer_kind_name(enum layer_kind kind);

/* ------------------------------------------------------------ walking */

/* A tensor shape without the batch axis: (C, H, W), or (features) once flat. */
struct net_shape {
    int flat;
    int c, h, w;
    int64_t features; /* flat only */
};

/* What one layer did, with the numbers --explain shows. */
struct layer_step {
    struct net_shape in, out;
    convtool_geometry g;  /* conv and pools: kernel, stride, dilation, padding, sizes */
    int floor_h, floor_w; /* pools with ceil_mode: the size before the last-window rule */
    int64_t params;       /* -1: the layer has no parameters */
};

/*
 * Computes the shape after layer l applied to `in`. Returns 0, or the exit
 * code 2 with `why` set to a message naming the numbers ("the output would
 * have 0 rows: floor((2 + 0 + 0 - 1*(3-1) - 1) / 1) + 1 = 0; ...").
 */
int layer_walk(const struct layer *l, const struct net_shape *in, struct layer_step *step,
               char *why, size_t why_size);

/* ------------------------------------------------------------ presets and files */

/*
 * Adds the layers of --net SPEC: a file when SPEC contains '/' or ends in an
 * extension, else a built-in preset (nets/NAME.net). Prints any error and
 * returns an exit code: 0, 1 (an unreadable or malformed file) or 2 (an
 * unknown preset). A "description:" line is copied into description.
 */
int net_load(const char *spec, struct layer_list *list, char *description, size_t description_size);

/* Adds the layers of --layers TEXT; prints any error and returns 0 or 2. */
int net_add_inline(const char *text, struct layer_list *list);

/* Prints the built-in presets with their descriptions (--list-nets). */
void net_print_presets(void);

/* ------------------------------------------------------------ output */

struct net_input {
    const char *text; /* as given: a size or a file name */
    int w, h, c;
    int n; /* the N of a (N, C, H, W) .npy, else 0 */
};

struct net_report_options {
    const char *net_name; /* the presets, files or "--layers", for the header line */
    const char *description;
    int explain, json;
    int torch; /* --torch: refuse what torch refuses, rather than say it would */
};

/*
 * Walks the input through the layers and prints the table (or one JSON
 * object). Returns 0, 1 (out of memory) or 2 after printing the error that
 * names the layer.
 */
int net_report(const struct net_input *in, const struct layer_list *layers,
               const struct net_report_options *o);

/* Prints the one-line JSON object of a walk that succeeded (steps[i]: after layer i). */
void net_print_json(const struct net_input *in, const struct layer_list *layers,
                    const struct layer_step *steps, const struct net_report_options *o,
                    int64_t params);

#endif
