/* Helpers shared by the float and the fused 8-bit pipelines of `apply`. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_common.h"
#include "cli.h"
#include "common/geometry_opts.h"

#define CLIP_WARN_SHARE 0.10

int apply_geometry(const struct apply_job *job, const struct prepared_kernel *pk, int in_h,
                   int in_w, convtool_geometry *g)
{
    const convtool_geometry_spec *spec = &job->opts->geometry;
    convtool_status st = convtool_geometry_resolve(spec, in_h, in_w, pk->k.h, pk->k.w, g);
    if (st == CONVTOOL_OK)
        return EXIT_OK;
    geometry_explain_error(job->input, spec, in_h, in_w, &pk->k);
    return cli_exit_code(st);
}

void apply_warn_clipped(const char *path, size_t clipped, size_t total)
{
    if (total == 0 || (double)clipped / (double)total <= CLIP_WARN_SHARE)
        return;
    cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; for edge kernels "
             "try --map abs or --map shift",
             path, 100.0 * (double)clipped / (double)total);
}

/*
 * Issue 9, part 17: float32 ends at 3.4e38, and a sum past it is inf (and
 * inf - inf is NaN). Whether that can happen at all is known from the
 * kernel: no partial sum is larger than sum |tap| * max |input| + |bias|.
 */
static double tap_sum(const struct prepared_kernel *pk)
{
    double taps = 0.0;
    size_t n = (size_t)pk->k.h * (size_t)pk->k.w;
    for (size_t i = 0; i < n; i++)
        taps += fabs((double)pk->k.values[i]);
    return taps;
}

int apply_may_overflow(const struct prepared_kernel *pk, double max_input)
{
    double taps = (double)pk->k.h * (double)pk->k.w;
    double reach = tap_sum(pk) * max_input + fabs((double)pk->bias);
    /* each float add may round up by a relative FLT_EPSILON/2: room for the whole sum */
    return !(reach * (1.0 + taps * FLT_EPSILON) <= FLT_MAX);
}

/* Written to vectorize: this runs over every float result. */
static size_t count_nonfinite(const float *v, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !(fabsf(v[i]) <= FLT_MAX);
    return bad;
}

static size_t count_nan(const float *v, size_t n)
{
    size_t nans = 0;
    for (size_t i = 0; i < n; i++)
        nans += v[i] != v[i];
    return nans;
}

/* The largest |value| of t, or -1 if one is inf or NaN. */
static double finite_peak(const convtool_tensor *t)
{
    size_t n = convtool_tensor_count(t);
    double peak = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t->data[i]))
            return -1.0;
        peak = fmax(peak, fabs((double)t->data[i]));
    }
    return peak;
}

/* A --scale, a power of ten times the one given, that keeps the sums well under the limit. */
static double scale_hint(const struct apply_job *job, const struct prepared_kernel *pk,
                         double peak)
{
    double reach = tap_sum(pk) * peak, room = FLT_MAX / 16;
    if (!(reach > room) || !isfinite(reach))
        return 0.0; /* a bias past the limit, or taps that are inf themselves */
    return job->opts->scale * pow(10.0, floor(log10(room / reach)));
}

static void warn_overflow(const char *input, size_t n, size_t nans, const char *what,
                          double hint)
{
    char how[48] = "with --scale";
    if (hint > 0.0)
        snprintf(how, sizeof how, "e.g. --scale %g", hint);
    cli_warn("%s: %zu value%s overflowed float32 (%s exceed 3.4e38) and became +-inf%s; "
             "scale the kernel down (%s)",
             input, n, n == 1 ? "" : "s", what, nans ? " or NaN" : "", how);
}

void apply_warn_overflow(const struct apply_job *job, const struct prepared_kernel *pk,
                         const convtool_tensor *in, const convtool_tensor *out)
{
    size_t total = convtool_tensor_count(out), n = count_nonfinite(out->data, total);
    if (n == 0)
        return;
    /* inf or NaN already in the input spreads by itself: that is no overflow */
    double peak = finite_peak(in);
    if (peak < 0.0)
        return;
    char what[CONVTOOL_NAME_MAX + 32];
    snprintf(what, sizeof what, "the sums of kernel %s", pk->k.name);
    warn_overflow(job->input, n, count_nan(out->data, total), what, scale_hint(job, pk, peak));
}

void apply_warn_combine_overflow(const struct apply_job *job, const convtool_tensor *parts,
                                 size_t count, const convtool_tensor *combined)
{
    size_t n = 0, nans = 0, total = convtool_tensor_count(combined);
    for (size_t i = 0; i < total; i++) {
        if (isfinite(combined->data[i]))
            continue;
        int parts_finite = 1; /* else the kernel's own overflow, or the input's inf */
        for (size_t k = 0; k < count && parts_finite; k++)
            parts_finite = isfinite(parts[k].data[i]);
        n += parts_finite;
        nans += parts_finite && isnan(combined->data[i]);
    }
    if (n)
        warn_overflow(job->input, n, nans, "the combined results", 0.0);
}

convtool_status apply_delta_kernel(const convtool_geometry *g, convtool_kernel *delta)
{
    memset(delta, 0, sizeof *delta);
    delta->values = calloc((size_t)g->k_h * g->k_w, sizeof(float));
    if (!delta->values)
        return CONVTOOL_ENOMEM;
    delta->h = g->k_h;
    delta->w = g->k_w;
    delta->scale = 1.0;
    delta->values[(g->k_h - 1) / 2 * g->k_w + (g->k_w - 1) / 2] = 1.0f;
    return CONVTOOL_OK;
}

/* Why the writer refused path (d->problem), or what it failed with (err) and left behind. */
static void explain_write_failure(const char *path, const convtool_write_detail *d, int err)
{
    if (d->problem == CONVTOOL_WRITE_DANGLING_LINK)
        cli_error("%s: is a symbolic link to a missing file (%s); convtool does not create "
                  "files through links",
                  path, d->where);
    else if (d->problem == CONVTOOL_WRITE_UNSAFE_LINK)
        cli_error("%s: %s%sis a symbolic link in a sticky world-writable directory, owned by "
                  "another user; convtool does not follow it (the fs.protected_symlinks rule)",
                  path, strcmp(d->where, path) ? d->where : "", strcmp(d->where, path) ? " " : "");
    else if (d->problem == CONVTOOL_WRITE_FIFO_NO_READER)
        cli_error("%s: a FIFO with no reader; start the reader first", path);
    else if (d->problem == CONVTOOL_WRITE_OTHERS_FILE)
        cli_error("%s: %s%sbelongs to another user in a sticky world-writable directory; "
                  "convtool does not replace it (the fs.protected_regular rule)",
                  path, strcmp(d->where, path) ? d->where : "", strcmp(d->where, path) ? " " : "");
    else if (d->leftover[0])
        cli_error("%s: cannot write: %s; the partial temp file %s could not be removed: %s", path,
                  strerror(err), d->leftover, strerror(d->leftover_errno));
    else
        cli_error("%s: cannot write: %s", path, strerror(err));
}

int apply_write(const char *path, const convtool_buffer *encoded)
{
    convtool_write_detail detail;
    if (convtool_write_file_atomic_ex(path, encoded->data, encoded->len, &detail) == CONVTOOL_OK)
        return EXIT_OK;
    explain_write_failure(path, &detail, errno);
    return EXIT_RUNTIME;
}
