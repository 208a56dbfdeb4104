/* convtool apply: prepare the kernels, plan the outputs, run every input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "cli.h"
#include "kernel_spec.h"

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
    pk->bias = (float)(k->offset + o->bias);
    if (o->show_kernel)
        show_kernel(pk);
    return EXIT_OK;
}

static int load_kernels(const struct apply_options *o, struct prepared_kernel *kernels)
{
    int inline_index = 0;
    for (int i = 0; i < o->kernel_count; i++) {
        int rc = kernel_spec_load(o->kernel_specs[i], o->kernels_dir, ++inline_index,
                                  SPEC_FOR_APPLY, &kernels[i].k);
        if (rc == EXIT_OK)
            rc = prepare_kernel(o, &kernels[i]);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

/* mkdir -p: the batch output directory and its missing parents. */
static int make_dirs(const char *dir)
{
    char *path = strdup(dir);
    int ok = path != NULL;
    for (char *p = path + 1; ok && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        ok = mkdir(path, 0777) == 0 || errno == EEXIST;
        *p = '/';
    }
    ok = ok && (mkdir(path, 0777) == 0 || errno == EEXIST);
    struct stat sb;
    if (ok && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        errno = ENOTDIR;
        ok = 0;
    }
    if (!ok)
        cli_error("-o %s: cannot create the output directory: %s", dir, strerror(errno));
    free(path);
    return ok ? EXIT_OK : EXIT_RUNTIME;
}

static int run_inputs(const struct apply_options *o, const struct prepared_kernel *kernels,
                      const struct output_file *outputs, int per_input, convtool_pool *pool)
{
    int failed = 0, worst = EXIT_OK;
    for (int i = 0; i < o->input_count; i++) {
        struct apply_job job = {o, kernels, o->kernel_count, pool, o->inputs[i],
                                outputs + (size_t)i * per_input, per_input};
        int rc = apply_run_file(&job);
        if (rc != EXIT_OK) {
            failed++;
            worst = worst == EXIT_OK ? rc : worst;
        }
    }
    if (!o->output_dir)
        return worst;
    if (!cli_quiet || failed)
        fprintf(stderr, "convtool: %d input%s: %d done, %d failed\n", o->input_count,
                o->input_count == 1 ? "" : "s", o->input_count - failed, failed);
    return failed ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_apply(int argc, char **argv)
{
    struct apply_options o = {0};
    struct prepared_kernel kernels[APPLY_MAX_KERNELS] = {0};
    struct output_file *outputs = NULL;
    convtool_pool *pool = NULL;
    int per_input = 0;
    int rc = apply_parse_args(argc, argv, &o);
    if (rc == EXIT_OK)
        rc = load_kernels(&o, kernels);
    if (rc == EXIT_OK)
        rc = apply_plan_outputs(&o, kernels, o.kernel_count, &outputs, &per_input);
    if (rc == EXIT_OK && o.output_dir)
        rc = make_dirs(o.output_dir);
    if (rc == EXIT_OK && convtool_pool_create(o.threads, &pool) != CONVTOOL_OK) {
        cli_error("cannot start %d threads", o.threads);
        rc = EXIT_RUNTIME;
    }
    if (rc == EXIT_OK)
        rc = run_inputs(&o, kernels, outputs, per_input, pool);
    convtool_pool_free(pool);
    apply_free_outputs(outputs, o.input_count * per_input);
    for (int i = 0; i < o.kernel_count; i++)
        convtool_kernel_free(&kernels[i].k);
    return rc;
}
