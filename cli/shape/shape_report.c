/* `shape --layers/--net` output: the table of shapes, --explain's arithmetic, --json. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/messages.h"
#include "shape/shape_layers.h"

#define CELL 64

/* The cells of one table row. */
struct cells {
    char index[12], out[CELL], torch[CELL], params[24];
    const char *text;
};

struct widths {
    int index, text, out, torch;
};

static void format_wxhxc(const struct net_shape *s, char *buf, size_t size)
{
    if (s->flat)
        snprintf(buf, size, "%" PRId64, s->features);
    else
        snprintf(buf, size, "%dx%dx%d", s->w, s->h, s->c);
}

static void format_torch(const struct net_shape *s, char *buf, size_t size)
{
    if (s->flat)
        snprintf(buf, size, "[%" PRId64 "]", s->features);
    else
        snprintf(buf, size, "[%d, %d, %d]", s->c, s->h, s->w);
}

/* Row i: 0 is the input, i > 0 the shape after layer i. */
static void row_cells(int i, const struct layer_list *layers, const struct layer_step *steps,
                      const struct net_shape *input, struct cells *c)
{
    const struct net_shape *s = i == 0 ? input : &steps[i - 1].out;
    snprintf(c->index, sizeof c->index, "%d", i);
    c->text = i == 0 ? "input" : layers->items[i - 1].text;
    format_wxhxc(s, c->out, sizeof c->out);
    format_torch(s, c->torch, sizeof c->torch);
    c->params[0] = '\0';
    if (i > 0 && steps[i - 1].params >= 0)
        snprintf(c->params, sizeof c->params, "%" PRId64, steps[i - 1].params);
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void measure(int rows, const struct layer_list *layers, const struct layer_step *steps,
                    const struct net_shape *input, struct widths *w)
{
    *w = (struct widths){.index = 1, .text = 5, .out = 11, .torch = 17};
    for (int i = 0; i < rows; i++) {
        struct cells c;
        row_cells(i, layers, steps, input, &c);
        w->index = max_int(w->index, (int)strlen(c.index));
        w->text = max_int(w->text, (int)strlen(c.text));
        w->out = max_int(w->out, (int)strlen(c.out));
        w->torch = max_int(w->torch, (int)strlen(c.torch));
    }
}

static void print_axis(const char *axis, const char *rounding, int in, int k, int before, int after,
                       int stride, int dil, int out)
{
    printf("      %s%s((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %d", axis, rounding, in, before,
           after, dil, k, stride, out);
}

/* A pool in ceil mode whose last window was dropped: PyTorch's rule, with the numbers. */
static void print_ceil_rule(int floor_out, int out, int stride, int in, int pad)
{
    if (floor_out != out)
        printf("; the last window would start at %d*%d = %d >= %d + %d (past the input and its "
               "left padding), so %d",
               floor_out - 1, stride, (floor_out - 1) * stride, in, pad, out);
    putchar('\n');
}

static void explain_geometry(const struct layer *l, const struct layer_step *s)
{
    const convtool_geometry *g = &s->g;
    int pool = l->kind != LAYER_CONV;
    const char *rounding = pool && l->ceil_mode ? "ceil" : "floor";
    print_axis("height: ", rounding, g->in_h, g->k_h, g->pad_top, g->pad_bottom, g->stride_y,
               g->dilation_y, pool ? s->floor_h : g->out_h);
    print_ceil_rule(pool ? s->floor_h : g->out_h, g->out_h, g->stride_y, g->in_h, g->pad_top);
    print_axis("width:  ", rounding, g->in_w, g->k_w, g->pad_left, g->pad_right, g->stride_x,
               g->dilation_x, pool ? s->floor_w : g->out_w);
    print_ceil_rule(pool ? s->floor_w : g->out_w, g->out_w, g->stride_x, g->in_w, g->pad_left);
}

static void explain_params(const struct layer *l, const struct layer_step *s)
{
    if (l->kind == LAYER_CONV && l->groups > 1)
        printf("      params: (%d/%d)*%d*%d*%d", s->in.c, l->groups, l->out_c, l->k_h, l->k_w);
    else if (l->kind == LAYER_CONV)
        printf("      params: %d*%d*%d*%d", s->in.c, l->out_c, l->k_h, l->k_w);
    else if (l->kind == LAYER_LINEAR)
        printf("      params: %" PRId64 "*%d", s->in.features, l->out_c);
    else
        return;
    if (l->bias)
        printf(" + %d", l->out_c);
    printf(" = %" PRId64 "\n", s->params);
}

static void explain_layer(const struct layer *l, const struct layer_step *s)
{
    switch (l->kind) {
    case LAYER_CONV:
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
        explain_geometry(l, s);
        explain_params(l, s);
        break;
    case LAYER_ADAPTIVE_AVGPOOL:
        printf("      adaptive: %dx%d whatever the input size (windows of varying size)\n",
               l->out_w, l->out_h);
        break;
    case LAYER_FLATTEN:
        if (!s->in.flat)
            printf("      flatten: %d*%d*%d = %" PRId64 "\n", s->in.c, s->in.h, s->in.w,
                   s->out.features);
        break;
    case LAYER_LINEAR:
        explain_params(l, s);
        break;
    case LAYER_BATCHNORM:
        printf("      params: 2*%" PRId64 " = %" PRId64 " (a weight and a bias per channel)\n",
               s->in.flat ? s->in.features : s->in.c, s->params);
        break;
    default:
        break;
    }
}

static void print_row(const struct cells *c, const struct widths *w)
{
    printf("%*s  %-*s  %-*s  ", w->index, c->index, w->text, c->text, w->out, c->out);
    if (c->params[0])
        printf("%-*s  %s\n", w->torch, c->torch, c->params);
    else
        printf("%s\n", c->torch);
}

static void print_table(const struct net_input *in, const struct layer_list *layers,
                        const struct layer_step *steps, int done, const struct net_shape *input,
                        const struct net_report_options *o)
{
    struct widths w;
    char name[CLI_MESSAGE_MAX];
    cli_escape(in->text, name, sizeof name);
    measure(done + 1, layers, steps, input, &w);
    printf("%s through %s%s%s\n", name, o->net_name, *o->description ? ": " : "",
           o->description);
    if (o->explain)
        printf("  out = floor((in + pad_before + pad_after - dilation*(k-1) - 1) / stride) + 1;\n"
               "  pools with ceil use ceil() and drop a last window that would start past the "
               "input and its left padding\n");
    struct cells head = {.index = "#",
                         .out = "out (WxHxC)",
                         .torch = "PyTorch [C, H, W]",
                         .params = "params",
                         .text = "layer"};
    print_row(&head, &w);
    for (int i = 0; i <= done; i++) {
        struct cells c;
        row_cells(i, layers, steps, input, &c);
        print_row(&c, &w);
        if (o->explain && i > 0)
            explain_layer(&layers->items[i - 1], &steps[i - 1]);
    }
}

static int64_t total_params(const struct layer_step *steps, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (steps[i].params < 0)
            continue;
        if (steps[i].params > INT64_MAX - total)
            return -1;
        total += steps[i].params;
    }
    return total;
}

static void print_summary(const struct net_input *in, const struct net_shape *input,
                          const struct net_shape *out, int layers, int64_t params)
{
    char a[CELL], b[CELL], c[CELL], name[CLI_MESSAGE_MAX];
    cli_escape(in->text, name, sizeof name);
    format_wxhxc(out, a, sizeof a);
    format_torch(input, b, sizeof b);
    format_torch(out, c, sizeof c);
    printf("%s -> %s    %s -> %s    (%d layer%s, %" PRId64 " params)\n", name, a, b, c, layers,
           layers == 1 ? "" : "s", params);
}

/* Walks every layer; returns how many succeeded (all, or the index of the failing one). */
static int walk_all(const struct net_shape *input, const struct layer_list *layers,
                    struct layer_step *steps, char *why, size_t why_size)
{
    const struct net_shape *cur = input;
    for (int i = 0; i < layers->count; i++) {
        if (layer_walk(&layers->items[i], cur, &steps[i], why, why_size) != EXIT_OK)
            return i;
        cur = &steps[i].out;
    }
    return layers->count;
}

/*
 * F.conv2d refuses padding='same' with a stride above 1; convtool follows its
 * formula (the extra pixel bottom/right). One line says so, or with --torch
 * the walk is refused.
 */
static int torch_refusals(const struct net_input *in, const struct layer_list *layers,
                          const struct net_report_options *o)
{
    for (int i = 0; i < layers->count; i++) {
        const struct layer *l = &layers->items[i];
        if (l->kind != LAYER_CONV || l->padding != CONVTOOL_PADDING_SAME ||
            (l->stride_y == 1 && l->stride_x == 1))
            continue;
        if (o->torch) {
            cli_error("%s: layer %d '%s': --torch: torch refuses padding='same' with stride "
                      "%d,%d; give pN",
                      in->text, i + 1, l->text, l->stride_y, l->stride_x);
            return EXIT_USAGE;
        }
        cli_warn("layer %d '%s': torch would refuse padding='same' with stride %d,%d "
                 "(convtool pads d*(k-1) in all, the extra pixel bottom/right)",
                 i + 1, l->text, l->stride_y, l->stride_x);
    }
    return EXIT_OK;
}

int net_report(const struct net_input *in, const struct layer_list *layers,
               const struct net_report_options *o)
{
    struct net_shape input = {.c = in->c, .h = in->h, .w = in->w};
    if (torch_refusals(in, layers, o) != EXIT_OK)
        return EXIT_USAGE;
    struct layer_step *steps = calloc((size_t)layers->count + 1, sizeof *steps);
    char why[400];
    if (!steps) {
        cli_error("%s: out of memory", in->text);
        return EXIT_RUNTIME;
    }
    int done = walk_all(&input, layers, steps, why, sizeof why);
    int64_t params = total_params(steps, done);
    int rc = EXIT_OK;
    if (done == layers->count && params < 0) {
        snprintf(why, sizeof why, "the parameter total overflows");
        done--;
    }
    if (!o->json)
        print_table(in, layers, steps, done, &input, o);
    if (done < layers->count) {
        fflush(stdout); /* the rows so far, then why the next one fails */
        cli_error("%s: layer %d '%s': %s", in->text, done + 1, layers->items[done].text, why);
        rc = EXIT_USAGE;
    } else if (o->json) {
        net_print_json(in, layers, steps, o, params);
    } else {
        print_summary(in, &input, layers->count ? &steps[layers->count - 1].out : &input,
                      layers->count, params);
    }
    free(steps);
    return rc;
}
