/*
 * The encoding choices of one input's outputs (save_choice.h). Issue 12: the
 * output should not be worse than the input. A 16-bit PNG gives a 16-bit PNG;
 * a JPEG is re-encoded at the quality its tables show (ImageMagick's
 * estimate: convtool_jpeg_estimate_quality) with its own chroma sampling;
 * anything else is written at quality 90 with whole chroma (4:4:4), which
 * keeps the colour edges that filters like sharpen make.
 */
#include <stdio.h>
#include <string.h>

#include "apply/save_choice.h"
#include "common/messages.h"

#define DEFAULT_QUALITY 90
/* From this quality up, the default sampling keeps chroma whole. */
#define WHOLE_CHROMA_QUALITY 90

static convtool_jpeg_sampling sampling_for_quality(int quality)
{
    return quality >= WHOLE_CHROMA_QUALITY ? CONVTOOL_SAMPLING_444 : CONVTOOL_SAMPLING_420;
}

static void choose_quality(const struct apply_options *o, const convtool_buffer *file,
                           const convtool_image_info *info, struct save_choice *c)
{
    convtool_jpeg_estimate est;
    int estimated = info->format == CONVTOOL_FORMAT_JPEG &&
                    convtool_jpeg_estimate_quality(file->data, file->len, &est) == CONVTOOL_OK;
    c->input_sampling = estimated ? est.sampling : CONVTOOL_SAMPLING_AUTO;
    if (o->quality) {
        c->quality = o->quality;
        c->quality_from = CHOSEN_OPTION;
    } else if (estimated) {
        c->quality = est.quality;
        c->quality_from = CHOSEN_INPUT;
    } else {
        c->quality = DEFAULT_QUALITY;
        c->quality_from = CHOSEN_DEFAULT;
    }
    if (o->sampling != CONVTOOL_SAMPLING_AUTO) {
        c->sampling = o->sampling;
        c->sampling_from = CHOSEN_OPTION;
    } else if (estimated && !o->quality && est.sampling >= CONVTOOL_SAMPLING_444 &&
               est.sampling <= CONVTOOL_SAMPLING_420) {
        c->sampling = est.sampling;
        c->sampling_from = CHOSEN_INPUT;
    } else if (estimated && !o->quality && est.sampling == CONVTOOL_SAMPLING_OTHER) {
        c->sampling = CONVTOOL_SAMPLING_420; /* 4:1:1, 4:4:0...: as much chroma as 4:2:0 */
        c->sampling_from = CHOSEN_INPUT;
    } else {
        /* -q given, a gray JPEG, or no JPEG: by the quality */
        c->sampling = sampling_for_quality(c->quality);
        c->sampling_from = CHOSEN_DEFAULT;
    }
}

void save_choice_make(const struct apply_options *o, const convtool_buffer *file,
                      const convtool_image_info *info, struct save_choice *c)
{
    memset(c, 0, sizeof *c);
    c->made = 1;
    if (o->depth) {
        c->depth = o->depth;
        c->depth_from = CHOSEN_OPTION;
    } else {
        int image = info->format != CONVTOOL_FORMAT_NPY; /* .npy holds floats: 8 */
        c->depth = image && info->bit_depth == 16 ? 16 : 8;
        c->depth_from = image ? CHOSEN_INPUT : CHOSEN_DEFAULT;
    }
    choose_quality(o, file, info, c);
}

convtool_save_options save_choice_options(const struct apply_job *job, const struct save_choice *c,
                                          const struct output_file *out)
{
    convtool_save_options so = {.format = out->format,
                                .jpeg_quality = c->quality,
                                .jpeg_sampling = c->sampling,
                                .png_level = job->opts->png_level,
                                .depth = out->format == CONVTOOL_FORMAT_PNG ? c->depth : 8,
                                .pool = job->pool};
    return so;
}

/* Why a JPEG's quality and sampling are what they are, in a few words. */
static void jpeg_reason(const struct apply_job *job, const struct save_choice *c, char *why,
                        size_t cap)
{
    const char *q = c->quality_from == CHOSEN_OPTION  ? "-q"
                    : c->quality_from == CHOSEN_INPUT ? "estimated from "
                                                      : "the default for a non-JPEG input";
    const char *s = c->sampling_from == CHOSEN_OPTION ? "; --sampling" : "";
    const char *other = c->input_sampling == CONVTOOL_SAMPLING_OTHER &&
                                c->sampling_from == CHOSEN_INPUT
                            ? "; its chroma sampling is none of 4:4:4, 4:2:2, 4:2:0: 4:2:0 written"
                            : "";
    snprintf(why, cap, "%s%s%s%s", q, c->quality_from == CHOSEN_INPUT ? job->input : "", s,
             other);
}

void save_choice_tell(const struct apply_job *job, const struct save_choice *c,
                      const struct output_file *out, int channels)
{
    if (!c->made)
        return;
    convtool_save_options so = save_choice_options(job, c, out);
    convtool_jpeg_sampling used = convtool_jpeg_sampling_used(&so);
    if (out->format == CONVTOOL_FORMAT_JPEG && c->sampling_from == CHOSEN_OPTION &&
        used != c->sampling && channels > 2)
        cli_warn("%s: --sampling %s not kept: the stb JPEG writer in use (no libjpeg-turbo, or "
                 "CONVTOOL_JPEG_CODEC=stb) stores %s at quality %d (4:2:0 up to 90, 4:4:4 above)",
                 out->path, convtool_jpeg_sampling_name(c->sampling),
                 convtool_jpeg_sampling_name(used), c->quality);
    if (!job->opts->batch.verbose)
        return;
    char why[512];
    if (out->format == CONVTOOL_FORMAT_JPEG) {
        jpeg_reason(job, c, why, sizeof why);
        cli_info("%s: quality %d, %s (%s)", out->path, c->quality,
                 channels <= 2 ? "gray" : convtool_jpeg_sampling_name(used), why);
    } else if (out->format == CONVTOOL_FORMAT_PNG) {
        const char *from = c->depth_from == CHOSEN_OPTION  ? "--depth"
                           : c->depth_from == CHOSEN_INPUT ? "as"
                                                           : "the default for float input";
        cli_info("%s: %d-bit (%s%s%s)", out->path, c->depth, from,
                 c->depth_from == CHOSEN_DEFAULT ? "" : " ",
                 c->depth_from == CHOSEN_OPTION  ? (c->depth == 16 ? "16" : "8")
                 : c->depth_from == CHOSEN_INPUT ? job->input
                                                 : "");
    }
}

int save_choice_check_output(const struct apply_options *o, const struct output_file *out)
{
    convtool_format f = out->format;
    const char *name = convtool_format_name(f);
    if (o->depth && (f == CONVTOOL_FORMAT_HDR || f == CONVTOOL_FORMAT_NPY)) {
        cli_error("%s: --depth %d: %s keeps float samples (--depth is for PNG, 8 or 16, and "
                  "the 8-bit formats)",
                  out->path, o->depth, name);
        return EXIT_USAGE;
    }
    if (o->depth == 16 && f != CONVTOOL_FORMAT_PNG) {
        cli_error("%s: --depth 16: %s stores 8-bit samples (write PNG for 16 bits, or .npy/.hdr "
                  "for floats)",
                  out->path, name);
        return EXIT_USAGE;
    }
    /* A batch may write mixed formats (each input keeps its extension): no word there. */
    if (!o->output_dir && f != CONVTOOL_FORMAT_JPEG && (o->quality || o->sampling))
        cli_warn("%s: %s%s%s appl%s to JPEG output only (ignored for %s)", out->path,
                 o->quality ? "-q" : "", o->quality && o->sampling ? " and " : "",
                 o->sampling ? "--sampling" : "", o->quality && o->sampling ? "y" : "ies", name);
    return EXIT_OK;
}
