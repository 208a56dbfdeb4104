/* convtool apply: prepare the kernels, plan the outputs, run the inputs (batch_run.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "apply/batch.h"
#include "apply/cmd_apply.h"
#include "apply/path_roles.h"
#include "common/kernel_spec.h"
#include "common/messages.h"

static void show_kernel(const struct prepared_kernel *pk)
{
    const convtool_kernel *k = &pk->k;
    double lo, hi;
    convtool_kernel_range(k, &lo, &hi);
    fprintf(stderr, "convtool: kernel %s, %dx%d, as applied (after flip, normalize, scale):\n",
            k->name, k->w, k->h);
    for (int y = 0; y < k->h; y++) {
        for (int x = 0; x < k->w; x++)
            fprintf(stderr, " %10.6g", k->values[y * k->w + x]);
        fputc('\n', stderr);
    }
    fprintf(stderr, "  sum %g, bias %g; inputs in [0,1] give outputs in [%g, %g]\n",
            convtool_kernel_sum(k), pk->bias, lo + pk->bias, hi + pk->bias);
}

/* Bakes the file's scale, --flip, --normalize and --scale into the taps. */
static int prepare_kernel(const struct apply_options *o, struct prepared_kernel *pk)
{
    convtool_kernel *k = &pk->k;
    if (k->scale != 1.0)
        convtool_kernel_scale(k, k->scale);
    if (o->flip)
        convtool_kernel_flip(k);
    if (o->normalize && convtool_kernel_normalize(k) != CONVTOOL_OK) {
        cli_error("--normalize: kernel %s sums to 0 and cannot be normalized", k->name);
        return EXIT_USAGE;
    }
    if (o->scale != 1.0)
        convtool_kernel_scale(k, o->scale);
    pk->bias = (float)(k->offset + (o->biases ? 0.0 : o->bias)); /* a list: per channel, later */
    if (o->geometry.method == CONVTOOL_METHOD_SEPARABLE &&
        !convtool_method_fits(k, CONVTOOL_METHOD_SEPARABLE)) {
        cli_error("--method separable: kernel %s (%dx%d) is not separable (not the outer "
                  "product of a column and a row); use --method direct, fft or auto",
                  k->name, k->w, k->h);
        return EXIT_USAGE;
    }
    if (o->show_kernel)
        show_kernel(pk);
    return EXIT_OK;
}

/* A bank's default combine applies unless --combine was given; two banks must agree. */
static int bank_combine(struct apply_options *o, const convtool_kernel_bank *bank, const char *spec,
                        const char **combine_from)
{
    if (!bank->has_combine || o->combine_given)
        return EXIT_OK;
    if (o->chain) { /* chaining a gradient pair's two halves is never what such a bank means */
        cli_error("-k %s: a kernel bank whose results are combined into one; --chain cannot "
                  "combine (write it to .npy first, then filter that)",
                  spec);
        return EXIT_USAGE;
    }
    if (*combine_from && o->combine != bank->combine) {
        cli_error("-k %s and -k %s are banks with different default combines; choose one with "
                  "--combine",
                  *combine_from, spec);
        return EXIT_USAGE;
    }
    o->combine = bank->combine;
    *combine_from = spec;
    return EXIT_OK;
}

static void show_weight(const struct prepared_kernel *pk)
{
    const convtool_weight *wt = &pk->wt;
    fprintf(stderr, "convtool: weight %s, (%d, %d, %d, %d) = (out channels, in channels per "
            "group, height, width), as applied (after flip, scale):\n",
            pk->k.name, wt->o, wt->c_per_group, wt->h, wt->w);
    for (int o = 0; o < wt->o; o++)
        for (int c = 0; c < wt->c_per_group; c++) {
            fprintf(stderr, "  [%d, %d]\n", o, c);
            const float *v = wt->values + ((size_t)o * wt->c_per_group + c) * wt->h * wt->w;
            for (int y = 0; y < wt->h; y++) {
                for (int x = 0; x < wt->w; x++)
                    fprintf(stderr, " %10.6g", v[y * wt->w + x]);
                fputc('\n', stderr);
            }
        }
}

/*
 * A 4-D weight: --flip turns each kH×kW plane, --scale multiplies; pk->k
 * keeps the size and name, and as taps output 0's sums over its input
 * channels (what the clipping advice reads).
 */
static int prepare_weight(const struct apply_options *o, const char *spec,
                          convtool_kernel_spec *any, struct prepared_kernel *pk)
{
    convtool_weight *wt = &any->weight;
    size_t plane = (size_t)wt->h * wt->w, planes = (size_t)wt->o * wt->c_per_group;
    if (o->normalize) {
        cli_error("-k %s: --normalize divides one kernel by its sum; a 4-D weight has %zu "
                  "(scale it with --scale, or normalize it before saving)",
                  spec, planes);
        return EXIT_USAGE;
    }
    convtool_method m = o->geometry.method;
    if (m == CONVTOOL_METHOD_SEPARABLE || m == CONVTOOL_METHOD_FFT) { /* not silently ignored */
        cli_error("-k %s: --method %s is for 2-D kernels and banks; a 4-D weight is computed by "
                  "the channel-mixing engine (patches times the weight): leave --method out, or "
                  "give auto or direct",
                  spec, convtool_method_name(m));
        return EXIT_USAGE;
    }
    convtool_kernel *k = &pk->k;
    memset(k, 0, sizeof *k);
    k->h = wt->h;
    k->w = wt->w;
    k->scale = 1.0;
    snprintf(k->name, sizeof k->name, "%s", any->name);
    k->values = calloc(plane, sizeof *k->values);
    if (!k->values) {
        cli_error("-k %s: %s", spec, convtool_strerror(CONVTOOL_ENOMEM));
        return EXIT_RUNTIME;
    }
    for (size_t p = 0; p < planes; p++) {
        convtool_kernel one = {.h = wt->h, .w = wt->w, .values = wt->values + p * plane};
        if (o->flip)
            convtool_kernel_flip(&one);
        if (o->scale != 1.0)
            convtool_kernel_scale(&one, o->scale);
        for (size_t i = 0; p < (size_t)wt->c_per_group && i < plane; i++)
            k->values[i] += one.values[i];
    }
    pk->wt = *wt;
    memset(wt, 0, sizeof *wt); /* pk owns the values now */
    pk->bias = (float)o->bias;
    if (o->show_kernel)
        show_weight(pk);
    return EXIT_OK;
}

/* A weight mixes every channel into its outputs: it is the one kernel of its run. */
static int weight_alone(const struct apply_options *o, const char *spec, int kernels)
{
    if (kernels > 1 || o->kernel_count > 1) {
        cli_error("-k %s: a 4-D weight mixes channels into its own outputs; give it as the only "
                  "-k (stack several into one weight: np.concatenate on axis 0)",
                  spec);
        return EXIT_USAGE;
    }
    if (o->chain || o->combine_given) {
        cli_error("-k %s: a 4-D weight gives all its output channels at once; --chain and "
                  "--combine are for several kernels",
                  spec);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* One -k SPEC: its kernels appended at kernels[*n], or the weight it holds. */
static int load_one(struct apply_options *o, int i, struct prepared_kernel *kernels, int *n,
                    const char **specs, const char **combine_from)
{
    const char *spec = o->kernel_specs[i];
    convtool_kernel_spec any;
    int rc = kernel_spec_load_any(spec, o->kernels_dir, *n + 1, SPEC_FOR_APPLY, &any);
    convtool_kernel_bank *bank = &any.bank;
    if (rc == EXIT_OK && any.is_weight) {
        rc = weight_alone(o, spec, *n + 1);
        if (rc == EXIT_OK) {
            specs[*n] = spec;
            rc = prepare_weight(o, spec, &any, &kernels[(*n)++]);
        }
        convtool_kernel_spec_free(&any);
        return rc;
    }
    if (rc == EXIT_OK && *n + bank->count > APPLY_MAX_KERNELS) {
        cli_error("-k %s: %zu more kernels make more than %d in all", spec, bank->count,
                  APPLY_MAX_KERNELS);
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK)
        rc = bank_combine(o, bank, spec, combine_from);
    for (size_t j = 0; rc == EXIT_OK && j < bank->count; j++, (*n)++) {
        kernels[*n].k = bank->kernels[j];
        memset(&bank->kernels[j], 0, sizeof bank->kernels[j]); /* kernels[n] owns it now */
        specs[*n] = spec;
        rc = prepare_kernel(o, &kernels[*n]);
    }
    convtool_kernel_spec_free(&any);
    return rc;
}

/*
 * Each -k SPEC gives one kernel, all the kernels of a bank, or a 4-D weight.
 * Afterwards kernel_count counts the prepared kernels and kernel_specs[i] is
 * the SPEC kernel i came from.
 */
static int load_kernels(struct apply_options *o, struct prepared_kernel *kernels)
{
    const char *specs[APPLY_MAX_KERNELS], *combine_from = NULL;
    int n = 0, rc = EXIT_OK;
    for (int i = 0; rc == EXIT_OK && i < o->kernel_count; i++)
        rc = load_one(o, i, kernels, &n, specs, &combine_from);
    if (rc == EXIT_OK && n > 1 && kernels[0].wt.values)
        rc = weight_alone(o, specs[0], n);
    if (rc == EXIT_OK && o->groups && !kernels[0].wt.values) {
        cli_error("--groups %d: groups split the channels of a 4-D weight (O, C/groups, kH, kW); "
                  "-k %s filters each channel on its own (torch's groups = C already)",
                  o->groups, specs[0]);
        rc = EXIT_USAGE;
    }
    memcpy(o->kernel_specs, specs, (size_t)n * sizeof *specs);
    o->kernel_count = n; /* so that every kernel loaded is freed, also after an error */
    return rc;
}

/*
 * Issue 11: separate results go to OUTPUT-NAME.ext, never OUTPUT itself, which
 * a user expecting a chain would look for in vain: one line says what was written.
 */
static void tell_outputs(const struct apply_options *o, const struct output_file *outputs,
                         int count)
{
    if (o->output_dir || count < 2)
        return;
    char list[CLI_MESSAGE_MAX];
    size_t at = 0;
    if (count > 4) /* a long list would be cut in the middle, advice and all */
        snprintf(list, sizeof list, "%d files, %s to %s", count, outputs[0].path,
                 outputs[count - 1].path);
    for (int k = 0; count <= 4 && k < count && at < sizeof list; k++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
                               k == 0 ? "" : k == count - 1 ? " and " : ", ", outputs[k].path);
    cli_info("wrote %s (one file per kernel; --chain applies them in turn into %s, --combine "
             "merges them)",
             list, o->output);
}

int cmd_apply(int argc, char **argv)
{
    struct apply_options o = {0};
    struct prepared_kernel kernels[APPLY_MAX_KERNELS] = {0};
    struct output_file *outputs = NULL;
    int per_input = 0;
    int rc = apply_parse_args(argc, argv, &o);
    if (rc == EXIT_HELP)
        return cli_finish_stdout(); /* nothing is allocated before the file names */
    if (rc == EXIT_OK)
        rc = load_kernels(&o, kernels);
    if (o.kernel_count == 1)
        o.chain = 0; /* the same result; and the fused 8-bit path may run */
    if (rc == EXIT_OK)
        rc = apply_plan_outputs(&o, kernels, o.kernel_count, &outputs, &per_input);
    if (rc == EXIT_OK)
        rc = path_roles_check(&o, outputs, o.input_count * per_input);
    if (rc == EXIT_OK && o.output_dir)
        rc = batch_make_dirs(o.output_dir, "-o");
    if (rc == EXIT_OK)
        rc = batch_run(&o, kernels, outputs, per_input);
    if (rc == EXIT_OK)
        tell_outputs(&o, outputs, per_input);
    apply_free_outputs(outputs, o.input_count * per_input);
    apply_free_args(&o);
    for (int i = 0; i < o.kernel_count; i++) {
        convtool_kernel_free(&kernels[i].k);
        convtool_weight_free(&kernels[i].wt);
    }
    return rc;
}
