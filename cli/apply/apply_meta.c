/* Metadata in `apply` (see apply_meta.h). */
#include <stdio.h>
#include <string.h>

#include "apply/apply_meta.h"
#include "common/messages.h"

/* What this input lost (batch workers run one input per thread at a time). */
static _Thread_local unsigned dropped_parts;

void apply_meta_clear_dropped(void)
{
    dropped_parts = 0;
}

unsigned apply_meta_dropped(void)
{
    return dropped_parts;
}

/* "icc, exif" for the parts set in `parts`. */
static void part_names(unsigned parts, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < CONVTOOL_META_PARTS; i++)
        if (parts & (1u << i) && at < cap)
            at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "",
                                   convtool_metadata_part_name(1u << i));
}

static void verbose_dropped(const struct apply_job *job, const char *path, unsigned parts,
                            const char *why)
{
    char names[160];
    dropped_parts |= parts;
    if (!parts || !job->opts->batch.verbose)
        return;
    part_names(parts, names, sizeof names);
    cli_info("%s: metadata dropped (%s): %s", path, why, names);
}

int apply_meta_read(const struct apply_job *job, const convtool_buffer *file,
                    convtool_metadata *md)
{
    const struct apply_options *o = job->opts;
    convtool_status st = convtool_metadata_read(file->data, file->len, md);
    if (st != CONVTOOL_OK)
        return cli_report(job->input, st);
    if (md->frames > 1)
        cli_warn("%s: %d frames (an animated PNG or a multi-picture JPEG): only the first is "
                 "filtered, the others are not written",
                 job->input, md->frames);
    /* over its limit or damaged: told once per input, whatever the outputs */
    verbose_dropped(job, job->input, md->dropped, "over its size limit or damaged");
    if (!o->no_autorotate && md->orientation > 1) {
        if (o->batch.verbose)
            cli_info("%s: turned upright (EXIF orientation %d; --no-autorotate keeps it stored)",
                     job->input, md->orientation);
        md->orientation = 1; /* the decode turns the picture upright: the tag says so */
    }
    if (o->strip == STRIP_ALL)
        convtool_metadata_drop(md, ~0u);
    else if (o->strip == STRIP_KEEP_PROFILE)
        convtool_metadata_drop(md, ~(unsigned)(CONVTOOL_META_ICC | CONVTOOL_META_COLOR));
    return EXIT_OK;
}

void apply_meta_shown_size(const struct apply_job *job, convtool_image_info *info)
{
    if (job->opts->no_autorotate || info->orientation < 5)
        return;
    int w = info->width;
    info->width = info->height, info->height = w;
}

void apply_meta_note_output(const struct apply_job *job, const struct output_file *out,
                            int channels)
{
    unsigned lost = convtool_metadata_unsupported(job->metadata, out->format);
    char why[64];
    snprintf(why, sizeof why, "%s cannot hold it", convtool_format_name(out->format));
    verbose_dropped(job, out->path, lost, why);
    if (!(lost & CONVTOOL_META_ICC) && !convtool_metadata_icc_fits(job->metadata, channels))
        verbose_dropped(job, out->path, CONVTOOL_META_ICC,
                        channels <= 2 ? "the profile is for colour, the output gray"
                                      : "the profile is not for RGB, the output is colour");
}

void apply_meta_note_grid(const struct apply_job *job, const struct output_file *out)
{
    verbose_dropped(job, out->path, convtool_metadata_parts(job->metadata),
                    "a --grid of channels is not the photo");
}
