/*
 * F.conv2d(input, weight, bias, stride, padding, dilation, groups) on one
 * input of `apply`: the groups are inferred or checked with the facts torch
 * names ("weight of size [4, 3, 3, 3], expected input[1, 2, 28, 28] to have 3
 * channels, but got 2"), then each batch item goes through the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_bias.h"
#include "apply/apply_common.h"
#include "apply/apply_mix.h"
#include "common/messages.h"

void apply_shape_text(const struct input_shape *in, char *text, size_t size)
{
    if (in->rank == 4)
        snprintf(text, size, "shape (%d, %d, %d, %d)", in->batch, in->c, in->h, in->w);
    else if (in->rank == 3)
        snprintf(text, size, "shape (%d, %d, %d)", in->c, in->h, in->w);
    else if (in->rank == 2)
        snprintf(text, size, "shape (%d, %d)", in->h, in->w);
    else
        snprintf(text, size, "an image of %d colour channel%s%s, tensor (%d, %d, %d)", in->c,
                 in->c == 1 ? "" : "s", in->alpha ? " (its alpha set apart; --alpha filter "
                                                     "adds it)"
                                                   : "",
                 in->c, in->h, in->w);
}

static void weight_text(const convtool_weight *wt, char *text, size_t size)
{
    snprintf(text, size, "(%d, %d, %d, %d)", wt->o, wt->c_per_group, wt->h, wt->w);
}

/* torch infers no groups: groups=1 takes C/groups == C_in; --groups tells it otherwise. */
static int inferred(const struct apply_job *job, const struct prepared_kernel *pk,
                    const struct input_shape *in, int *groups)
{
    const convtool_weight *wt = &pk->wt;
    char shape[160], w[64];
    apply_shape_text(in, shape, sizeof shape);
    weight_text(wt, w, sizeof w);
    if (in->c % wt->c_per_group != 0 || wt->o % (in->c / wt->c_per_group) != 0) {
        cli_error("%s: %s: %d input channel%s, but the weight %s takes %d per group (torch: "
                  "\"weight of size [%d, %d, %d, %d], expected input to have %d channels, but "
                  "got %d\"); a weight for this input is (O, %d, %d, %d), or (O, %d/G, %d, %d) "
                  "with --groups G",
                  job->input, shape, in->c, in->c == 1 ? "" : "s", w, wt->c_per_group, wt->o,
                  wt->c_per_group, wt->h, wt->w, wt->c_per_group, in->c, in->c, wt->h, wt->w,
                  in->c, wt->h, wt->w);
        return EXIT_USAGE;
    }
    *groups = in->c / wt->c_per_group;
    return EXIT_OK;
}

int apply_mix_groups(const struct apply_job *job, const struct prepared_kernel *pk,
                     const struct input_shape *in, int *groups)
{
    const convtool_weight *wt = &pk->wt;
    int g = job->opts->groups;
    char shape[160], w[64];
    if (g == 0)
        return inferred(job, pk, in, groups);
    apply_shape_text(in, shape, sizeof shape);
    weight_text(wt, w, sizeof w);
    if (wt->o % g != 0) {
        cli_error("--groups %d: the weight %s has %d output channels, not a multiple of %d "
                  "(torch: \"expected weight to be divisible by %d at dimension 0\")",
                  g, w, wt->o, g, g);
        return EXIT_USAGE;
    }
    if ((long)g * wt->c_per_group != in->c) {
        cli_error("%s: %s: with --groups %d the weight %s expects %d input channels (%d x %d), "
                  "but got %d (torch: \"Given groups=%d, weight of size [%d, %d, %d, %d], "
                  "expected input to have %d channels, but got %d channels instead\")%s",
                  job->input, shape, g, w, g * wt->c_per_group, g, wt->c_per_group, in->c, g,
                  wt->o, wt->c_per_group, wt->h, wt->w, g * wt->c_per_group, in->c,
                  in->c % wt->c_per_group == 0 && wt->o % (in->c / wt->c_per_group) == 0
                      ? "; leave --groups out and it is inferred"
                      : "");
        return EXIT_USAGE;
    }
    *groups = g;
    return EXIT_OK;
}

/* Every output channel's bias: the file's offset plus --bias (one value or one per channel). */
static int biases(const struct apply_job *job, const struct prepared_kernel *pk, float **out)
{
    const convtool_weight *wt = &pk->wt;
    char w[64], what[96];
    weight_text(wt, w, sizeof w);
    snprintf(what, sizeof what, "the weight %s has", w);
    *out = NULL;
    if (apply_check_bias(job->opts, job->input, wt->o, what) != EXIT_OK)
        return EXIT_USAGE;
    *out = malloc((size_t)wt->o * sizeof **out);
    if (!*out)
        return cli_report(job->input, CONVTOOL_ENOMEM);
    for (int o = 0; o < wt->o; o++)
        (*out)[o] = (float)(pk->k.offset + apply_bias_of(job->opts, o));
    return EXIT_OK;
}

int apply_mix_run(const struct apply_job *job, const struct prepared_kernel *pk,
                  const convtool_tensor *values, const struct input_shape *in,
                  convtool_geometry *g, convtool_tensor *out)
{
    int groups = 0;
    float *bias = NULL;
    int rc = apply_mix_groups(job, pk, in, &groups);
    if (rc == EXIT_OK)
        rc = apply_geometry(job, pk, values->h, values->w, g);
    if (rc == EXIT_OK)
        rc = biases(job, pk, &bias);
    convtool_status st = CONVTOOL_OK;
    if (rc == EXIT_OK)
        st = convtool_tensor_alloc(out, in->batch * pk->wt.o, g->out_h, g->out_w);
    size_t in_item = (size_t)in->c * values->h * values->w;
    size_t out_item = (size_t)pk->wt.o * g->out_h * g->out_w;
    for (int n = 0; rc == EXIT_OK && st == CONVTOOL_OK && n < in->batch; n++) {
        convtool_tensor item = {in->c, values->h, values->w, values->data + n * in_item};
        convtool_tensor dst = {pk->wt.o, g->out_h, g->out_w, out->data + n * out_item};
        st = convtool_conv2d_mix_into(&item, &pk->wt, groups, bias, g, job->pool, &dst);
    }
    free(bias);
    if (rc == EXIT_OK && st != CONVTOOL_OK)
        rc = cli_report(job->input, st);
    return rc;
}
