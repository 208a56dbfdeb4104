/* Helpers shared by the float and the fused 8-bit pipelines of `apply`. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply_common.h"
#include "cli.h"
#include "geometry_opts.h"

#define CLIP_WARN_SHARE 0.10

int apply_report(const char *path, convtool_status st)
{
    if (st == CONVTOOL_EIO || st == CONVTOOL_ENOENT)
        cli_error("%s: %s", path, strerror(errno));
    else if (st == CONVTOOL_EUNSUPPORTED)
        cli_error("%s: unsupported format (convtool reads PNG, JPEG and .npy)", path);
    else
        cli_error("%s: %s", path, convtool_strerror(st));
    return cli_exit_code(st) == EXIT_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
}

int apply_read_input(const struct apply_options *o, const char *path, convtool_buffer *file,
                     convtool_image_info *info)
{
    int rc = apply_read_limited(o, path, file); /* --max-input-bytes */
    if (rc != EXIT_OK)
        return rc;
    convtool_status st = convtool_image_probe(file->data, file->len, info);
    if (st != CONVTOOL_OK)
        return apply_report(path, st);
    uint64_t pixels = (uint64_t)info->width * (uint64_t)info->height;
    if (pixels > o->max_pixels) {
        cli_error("%s: %dx%d = %" PRIu64 " pixels is over the limit of %" PRIu64
                  " (raise it with --max-pixels)",
                  path, info->width, info->height, pixels, o->max_pixels);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

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

int apply_write(const char *path, const convtool_buffer *encoded)
{
    if (convtool_write_file_atomic(path, encoded->data, encoded->len) == CONVTOOL_OK)
        return EXIT_OK;
    cli_error("%s: cannot write: %s", path, strerror(errno));
    return EXIT_RUNTIME;
}
