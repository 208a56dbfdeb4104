/* Helpers shared by the float and the fused pixel pipelines of `apply`. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply_common.h"
#include "common/geometry_opts.h"
#include "common/messages.h"
#include "common/shell_word.h"

/*
 * An edge kernel (sum 0) centres its result on 0, so clamping blackens half
 * of it: past 10 % the picture is wrong and --map abs/shift is the fix. A
 * kernel with a nonzero sum (sharpen, emboss: 1) keeps the image's levels and
 * pushes edges past black and white by design, as any photo editor's sharpen
 * does: sharpen clips 10.8 % of coffee.png, emboss 14.6 %, a strong sharpen
 * (9 - 8 x neighbours) 20.2 %. Past a quarter much of the picture is lost:
 * the high-contrast camera.png clips 33 % under sharpen (and is warned), an
 * unnormalized box 75-98 %.
 */
#define CLIP_WARN_SHARE 0.10
#define CLIP_WARN_SHARE_IMAGE 0.25
#define ZERO_SUM 1e-6

/*
 * torch's F.pad refuses circular padding wider than the input ("Padding
 * value causes wrapping around more than once"); convtool wraps on. With
 * --torch that is refused; without, one line says so (once per run).
 */
static int torch_circular(const struct apply_job *job, const convtool_geometry *g)
{
    static atomic_int told;
    if (g->mode != CONVTOOL_PAD_CIRCULAR ||
        (g->pad_top <= g->in_h && g->pad_bottom <= g->in_h && g->pad_left <= g->in_w &&
         g->pad_right <= g->in_w))
        return EXIT_OK;
    if (job->opts->torch) {
        cli_error("%s: --torch: torch refuses circular padding wider than the input (%dx%d; "
                  "\"Padding value causes wrapping around more than once\")",
                  job->input, g->in_w, g->in_h);
        return EXIT_USAGE;
    }
    if (atomic_exchange(&told, 1) == 0)
        cli_warn("%s: circular padding wider than the input (%dx%d): torch would refuse it; "
                 "convtool wraps around again",
                 job->input, g->in_w, g->in_h);
    return EXIT_OK;
}

int apply_geometry(const struct apply_job *job, const struct prepared_kernel *pk, int in_h,
                   int in_w, convtool_geometry *g)
{
    const convtool_geometry_spec *spec = &job->opts->geometry;
    convtool_status st = convtool_geometry_resolve(spec, in_h, in_w, pk->k.h, pk->k.w, g);
    if (st == CONVTOOL_OK)
        return torch_circular(job, g);
    geometry_explain_error(job->input, spec, in_h, in_w, &pk->k);
    return cli_exit_code(st);
}

/* " vs direct 0.93 s, fft 0.21 s": the estimates of the methods not chosen. */
static void other_estimates(const convtool_method_choice *c, char *buf, size_t size)
{
    const double est[] = {0.0, c->direct_s, c->separable_s, c->fft_s};
    size_t at = 0;
    buf[0] = '\0';
    for (int m = CONVTOOL_METHOD_DIRECT; m <= CONVTOOL_METHOD_FFT && at < size; m++) {
        if (m == (int)c->method || est[m] < 0)
            continue;
        at += (size_t)snprintf(buf + at, size - at, "%s%s %.2g s", at ? ", " : " vs ",
                               convtool_method_name((convtool_method)m), est[m]);
    }
}

int apply_method(const struct apply_job *job, const struct prepared_kernel *pk,
                 const convtool_geometry *g, int channels)
{
    convtool_method_choice c;
    convtool_status st = convtool_method_choose(&pk->k, g, channels, convtool_pool_threads(job->pool), &c);
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    if (!job->opts->show_kernel && !job->opts->batch.verbose)
        return EXIT_OK;
    const double est[] = {0.0, c.direct_s, c.separable_s, c.fft_s};
    char tiles[48] = "", others[160];
    if (c.method == CONVTOOL_METHOD_FFT)
        snprintf(tiles, sizeof tiles, ", %dx%d tiles", c.fft_tile_w, c.fft_tile_h);
    other_estimates(&c, others, sizeof others);
    cli_info("%s: %dx%d kernel %s: %s%s (%sest. %.2g s%s)%s%s", job->input, pk->k.w, pk->k.h,
             pk->k.name, convtool_method_name(c.method), tiles,
             g->method == CONVTOOL_METHOD_AUTO ? "" : "forced; ", est[c.method], others,
             c.note ? "; " : "", c.note ? c.note : "");
    return EXIT_OK;
}

void apply_warn_clipped(const char *path, size_t clipped, size_t total, double kernel_sum,
                        int weight)
{
    double share = total ? (double)clipped / (double)total : 0.0;
    int edge = fabs(kernel_sum) < ZERO_SUM || kernel_sum < 0.0; /* negative: dark like edges */
    if (share <= (edge ? CLIP_WARN_SHARE : CLIP_WARN_SHARE_IMAGE))
        return;
    if (edge)
        cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; for edge kernels "
                 "try --map abs or --map shift",
                 path, 100.0 * share);
    else if (kernel_sum > 1.5 && weight) /* --normalize refuses a 4-D weight */
        cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; the weight's "
                 "first output sums to %g over its inputs and brightens the image that much: "
                 "divide it by that sum with --scale (--normalize is for 2-D kernels)",
                 path, 100.0 * share, kernel_sum);
    else if (kernel_sum > 1.5)
        cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; the kernel sums "
                 "to %g and brightens the image that much: --normalize divides it by its sum",
                 path, 100.0 * share, kernel_sum);
    else
        cli_warn("%s: %.1f%% of the values fell outside [0,1] and were clipped; to keep "
                 "detail in shadows and highlights, lower the strength: --scale 0.5 --bias "
                 "0.25, or write .npy / HDR to keep the floats",
                 path, 100.0 * share);
}

/*
 * Combined outputs: sum adds the kernel sums; magnitude and max of edge
 * kernels stay edge-like only if every kernel is. A chain's composed kernel
 * sums to the product of the sums.
 */
double apply_output_sum(const struct apply_job *job, int k)
{
    const struct apply_options *o = job->opts;
    if (!o->chain && o->combine == CONVTOOL_COMBINE_SEPARATE)
        return convtool_kernel_sum(&job->kernels[k].k);
    double sum = o->chain ? 1.0 : 0.0;
    for (int i = 0; i < job->kernel_count; i++) {
        double s = convtool_kernel_sum(&job->kernels[i].k);
        if (o->chain)
            sum *= s;
        else if (o->combine == CONVTOOL_COMBINE_SUM)
            sum += s;
        else
            sum = fabs(s) > fabs(sum) ? s : sum;
    }
    return sum;
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
    return apply_finite_peak(t->data, convtool_tensor_count(t), 0.0);
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
                         double bound, const convtool_tensor *in, const convtool_tensor *out)
{
    if (bound >= 0.0 && !apply_may_overflow(pk, bound))
        return; /* the sums cannot reach FLT_MAX: no pass over the result */
    size_t total = convtool_tensor_count(out), n = count_nonfinite(out->data, total);
    if (n == 0)
        return;
    apply_warn_overflow_found(job, pk, n, count_nan(out->data, total), finite_peak(in));
}

void apply_warn_overflow_found(const struct apply_job *job, const struct prepared_kernel *pk,
                               size_t nonfinite, size_t nans, double input_peak)
{
    /* inf or NaN already in the input spreads by itself: that is no overflow */
    if (nonfinite == 0 || input_peak < 0.0)
        return;
    char what[CONVTOOL_NAME_MAX + 32];
    snprintf(what, sizeof what, "the sums of kernel %s", pk->k.name);
    warn_overflow(job->input, nonfinite, nans, what, scale_hint(job, pk, input_peak));
}

void apply_count_nonfinite(const float *v, size_t n, size_t *nonfinite, size_t *nans)
{
    size_t bad = count_nonfinite(v, n);
    *nonfinite += bad;
    if (bad)
        *nans += count_nan(v, n);
}

double apply_finite_peak(const float *v, size_t n, double peak)
{
    for (size_t i = 0; i < n && peak >= 0.0; i++)
        peak = isfinite(v[i]) ? fmax(peak, fabs((double)v[i])) : -1.0;
    return peak;
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

/*
 * Issue 11, item 5: "out/x.png: cannot write: No such file or directory"
 * hides that out/ is missing. The parent is named, with both fixes; it is
 * not created here, since a typo in a directory name should not scatter
 * files. Returns 0 when the parent exists (or path has none): not this case.
 */
static int explain_missing_parent(const char *path, int err)
{
    const char *slash = strrchr(path, '/');
    struct stat sb;
    char dir[4096], word[8200], name[8200];
    if (err != ENOENT || !slash || slash == path || (size_t)(slash - path) >= sizeof dir)
        return 0;
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &sb) == 0)
        return 0;
    ssize_t n = readlink(dir, word, sizeof word - 1);
    if (n >= 0) { /* a dangling link: creating its target is the user's call */
        word[n] = '\0';
        cli_error("%s: the directory %s/ is a symbolic link to a missing directory (%s); create "
                  "it or fix the link",
                  path, dir, word);
        return 1;
    }
    const char *dir_word = shell_word(dir, word, sizeof word);
    cli_error("%s: the directory %s/ does not exist (create it with mkdir -p %s, or use -o %s "
              "--name %s to have convtool create it)",
              path, dir, dir_word, dir_word, shell_word(slash + 1, name, sizeof name));
    return 1;
}

/* Why the writer refused path (d->problem), or what it failed with (err) and left behind. */
void apply_explain_write_failure(const char *path, const convtool_write_detail *d, int err)
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
    else if (!explain_missing_parent(path, err))
        cli_error("%s: cannot write: %s", path, strerror(err));
}

int apply_write(const char *path, const convtool_buffer *encoded)
{
    convtool_write_detail detail;
    if (convtool_write_file_atomic_ex(path, encoded->data, encoded->len, &detail) == CONVTOOL_OK)
        return EXIT_OK;
    apply_explain_write_failure(path, &detail, errno);
    return EXIT_RUNTIME;
}
