/* `shape --layers/--net --json`: one object per input, with every layer's shapes. */
#include <inttypes.h>
#include <stdio.h>

#include "common/json.h"
#include "shape/shape_layers.h"

static void json_shape(const char *key, const struct net_shape *s)
{
    if (s->flat)
        printf(",\"%s\":[%" PRId64 "]", key, s->features);
    else
        printf(",\"%s\":[%d,%d,%d]", key, s->c, s->h, s->w);
}

static void json_geometry(const struct layer *l, const convtool_geometry *g)
{
    printf(",\"kernel_size\":{\"width\":%d,\"height\":%d},\"stride\":[%d,%d],"
           "\"dilation\":[%d,%d],\"padding\":{\"top\":%d,\"bottom\":%d,\"left\":%d,\"right\":%d}",
           g->k_w, g->k_h, g->stride_y, g->stride_x, g->dilation_y, g->dilation_x, g->pad_top,
           g->pad_bottom, g->pad_left, g->pad_right);
    if (l->kind == LAYER_CONV)
        printf(",\"groups\":%d,\"bias\":%s", l->groups, l->bias ? "true" : "false");
    else
        printf(",\"ceil_mode\":%s", l->ceil_mode ? "true" : "false");
}

static void json_layer(int index, const struct layer *l, const struct layer_step *s)
{
    printf("{\"index\":%d,\"layer\":", index);
    json_put_string(stdout, l->text);
    printf(",\"type\":\"%s\"", layer_kind_name(l->kind));
    json_shape("shape_in", &s->in);
    json_shape("shape_out", &s->out);
    if (l->kind == LAYER_CONV || l->kind == LAYER_MAXPOOL || l->kind == LAYER_AVGPOOL)
        json_geometry(l, &s->g);
    printf(",\"params\":%" PRId64 "}", s->params < 0 ? 0 : s->params);
}

static void json_out(const struct net_shape *s)
{
    if (s->flat)
        printf(",\"out\":{\"features\":%" PRId64 "}", s->features);
    else
        printf(",\"out\":{\"width\":%d,\"height\":%d,\"channels\":%d}", s->w, s->h, s->c);
}

void net_print_json(const struct net_input *in, const struct layer_list *layers,
                    const struct layer_step *steps, const struct net_report_options *o,
                    int64_t params)
{
    struct net_shape input = {.c = in->c, .h = in->h, .w = in->w};
    const struct net_shape *out = layers->count ? &steps[layers->count - 1].out : &input;
    printf("{\"input\":");
    json_put_string(stdout, in->text);
    printf(",\"net\":");
    json_put_string(stdout, o->net_name);
    printf(",\"in\":{\"width\":%d,\"height\":%d,\"channels\":%d}", in->w, in->h, in->c);
    json_shape("shape_in", &input);
    printf(",\"layers\":[");
    for (int i = 0; i < layers->count; i++) {
        if (i > 0)
            putchar(',');
        json_layer(i + 1, &layers->items[i], &steps[i]);
    }
    putchar(']');
    json_out(out);
    json_shape("shape_out", out);
    printf(",\"params\":%" PRId64 "}\n", params);
}
