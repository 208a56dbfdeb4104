/* convtool apply: command-line options. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/apply_bias.h"
#include "apply/apply_limits.h"
#include "apply/batch.h"
#include "apply/batch_args.h"
#include "common/geometry_opts.h"
#include "common/messages.h"
#include "common/numparse.h"
#include "common/option_check.h"
#include "common/suggest.h"

enum {
    OPT_FLIP = 1000, OPT_NORMALIZE, OPT_SCALE, OPT_BIAS, OPT_MAP, OPT_SHOW_KERNEL,
    OPT_COMBINE, OPT_GRAY, OPT_ALPHA, OPT_KERNELS_DIR, OPT_MAX_PIXELS, OPT_QUIET, OPT_PNG_LEVEL,
    OPT_MAX_MEMORY, OPT_MAX_WORK, OPT_MAX_INPUT_BYTES, OPT_NO_SANDBOX, OPT_CHAIN, OPT_METHOD,
    OPT_DEPTH, OPT_SAMPLING, OPT_NO_AUTOROTATE, OPT_STRIP,
    OPT_GROUPS, OPT_TORCH, OPT_GRID,
};

static const struct option long_options[] = {
    {"kernel", 1, NULL, 'k'},          GEOMETRY_LONG_OPTS,
    {"flip", 0, NULL, OPT_FLIP},       {"normalize", 0, NULL, OPT_NORMALIZE},
    {"scale", 1, NULL, OPT_SCALE},     {"bias", 1, NULL, OPT_BIAS},
    {"map", 1, NULL, OPT_MAP},         {"show-kernel", 0, NULL, OPT_SHOW_KERNEL},
    {"method", 1, NULL, OPT_METHOD},
    {"combine", 1, NULL, OPT_COMBINE}, {"chain", 0, NULL, OPT_CHAIN},
    {"groups", 1, NULL, OPT_GROUPS},   {"torch", 0, NULL, OPT_TORCH},
    {"grid", 0, NULL, OPT_GRID},
    {"gray", 0, NULL, OPT_GRAY},
    {"grey", 0, NULL, OPT_GRAY},       {"alpha", 1, NULL, OPT_ALPHA},
    {"threads", 1, NULL, 'j'},         {"format", 1, NULL, 'f'},
    {"quality", 1, NULL, 'q'},         {"output-dir", 1, NULL, 'o'},
    {"kernels-dir", 1, NULL, OPT_KERNELS_DIR}, {"max-pixels", 1, NULL, OPT_MAX_PIXELS},
    {"quiet", 0, NULL, OPT_QUIET},     {"help", 0, NULL, 'h'},
    {"png-level", 1, NULL, OPT_PNG_LEVEL},
    {"depth", 1, NULL, OPT_DEPTH},     {"sampling", 1, NULL, OPT_SAMPLING},
    {"max-memory", 1, NULL, OPT_MAX_MEMORY}, {"max-work", 1, NULL, OPT_MAX_WORK},
    {"max-input-bytes", 1, NULL, OPT_MAX_INPUT_BYTES}, {"no-sandbox", 0, NULL, OPT_NO_SANDBOX},
    {"no-autorotate", 0, NULL, OPT_NO_AUTOROTATE}, {"strip", 2, NULL, OPT_STRIP},
    BATCH_LONG_OPTS,
    {NULL, 0, NULL, 0},
};

/* Issue 11: what a new user needs first, before the options. */
static void print_first_steps(void)
{
    printf("usage: convtool apply [OPTIONS] -k SPEC INPUT OUTPUT\n"
           "       convtool apply [OPTIONS] -k SPEC -o DIR INPUT...\n\n"
           "first steps:\n"
           "  filter a photo:\n"
           "    convtool apply -k sharpen photo.jpg sharp.jpg\n"
           "  what PyTorch's F.conv2d(x, w) gives: --torch sets its defaults (padding 0,\n"
           "  zeros; convtool's own are same + replicate, for photos):\n"
           "    convtool apply --torch -k w.npy x.npy y.npy\n"
           "  every photo of a folder into out/ (same names):\n"
           "    convtool apply -k blur -o out/ photos/*.jpg\n\n");
}

static void print_help(void)
{
    print_first_steps();
    printf("Filters PNG, JPEG or .npy inputs by 2-D cross-correlation, exactly as PyTorch's\n"
           "conv2d (the kernel is not flipped; --flip gives true convolution). '-' reads\n"
           "stdin or writes stdout (then --format is needed).\n\n"
           "options:\n"
           "  -k, --kernel SPEC         a library name (sharpen), a kernel file (./my.txt),\n"
           "                            an inline matrix \"0 -1 0; -1 5 -1; 0 -1 0\" or a\n"
           "                            number; repeatable. Also nested lists (w.tolist())\n"
           "                            and torch/numpy printed tensors; a rank-3 list or\n"
           "                            (K,H,W) .npy is a bank of K kernels; a rank-4\n"
           "                            weight (O, C/groups, kH, kW) mixes channels\n"
           "      --torch               torch's defaults: padding 0 and zeros (-p, -m still\n"
           "                            apply); refuse what F.conv2d refuses (same + stride)\n"
           "      --groups G            F.conv2d's groups of a 4-D weight (default:\n"
           "                            inferred, C_in / the weight's C/groups)\n" GEOMETRY_HELP
           "      --flip                true convolution: rotate the kernel by 180 degrees\n"
           "      --normalize           divide the kernel by its sum\n"
           "      --scale F, --bias B   out = bias + scale * sum (in [0,1] units; 1, 0);\n"
           "                            B: one number, a list b1,b2,... or a .npy (O,),\n"
           "                            one value per output channel\n"
           "      --map MODE            floats to pixels: clamp, abs, shift ((v+1)/2),\n"
           "                            normalize (min-max per channel) (default clamp)\n"
           "      --show-kernel         print the effective kernel and its output range, and\n"
           "                            per input the method chosen and why\n"
           "      --method M            direct, separable (rank-1 kernels), fft (large\n"
           "                            kernels) or auto: the fastest by a cost model\n"
           "                            (default auto; a 4-D weight: auto or direct)\n"
           "      --combine MODE        several kernels: separate (OUTPUT-NAME.ext each, the\n"
           "                            default; a line names the files), magnitude, max,\n"
           "                            sum, stack (.npy K x C x H x W)\n"
           "      --chain               several kernels: apply them in turn (the first -k\n"
           "                            first) into one OUTPUT, as ImageMagick's repeated\n"
           "                            -morphology; steps stay float (--map at the end),\n"
           "                            -s/-p/-d apply at each step; not with --combine\n"
           "      --grid                one picture of every output channel (and batch item)\n"
           "                            as tiles, each min-max mapped (or by --map)\n"
           "      --gray                convert to luma 0.299 R + 0.587 G + 0.114 B first\n"
           "      --alpha MODE          keep (carried, unfiltered), filter, drop (keep)\n"
           "  -j, --threads N           worker threads (default: online CPUs)\n"
           "  -f, --format FMT          png, jpg, bmp, tga, hdr, npy (default: by extension)\n"
           "  -q, --quality N           JPEG quality 1-100 (default: a JPEG input's own,\n"
           "                            estimated from its tables; otherwise 90)\n"
           "      --sampling S          JPEG chroma 444, 422 or 420 (default: a JPEG input's\n"
           "                            own; otherwise 444 from quality 90 up, 420 below)\n"
           "      --depth N             PNG bits per sample, 8 or 16 (default: the input's,\n"
           "                            so a 16-bit PNG stays 16-bit; JPEG, BMP, TGA are 8)\n"
           "      --png-level N         PNG compression 1 (fastest) - 9 (smallest) (default 2)\n"
           "  -o, --output-dir DIR      batch mode: each INPUT goes to DIR/its name\n"
           "      --kernels-dir DIR     where named kernels are looked up first\n"
           "      --max-pixels N        refuse larger images (default 100M; k/M/G suffixes)\n"
           "      --max-memory BYTES    refuse inputs needing more memory (default: half the RAM,\n"
           "                            at most 8Gi; k/M/G or Ki/Mi/Gi suffixes; 0 = no limit)\n"
           "      --max-work N          refuse jobs of more multiply-adds (default 1T; 0 = none)\n"
           "      --max-input-bytes BYTES  refuse larger input files (default 1Gi; 0 = none)\n"
           "      --no-sandbox          decode in this process, not a contained child\n"
           "      --no-autorotate       keep the stored EXIF orientation (and carry its tag)\n"
           "                            instead of turning the picture upright first\n"
           "      --strip [all]         leave metadata (EXIF, XMP, text, density) out of the\n"
           "                            outputs but the colour profile; 'all': that too\n"
           "      --quiet               no warnings, progress, summary or list of the files\n"
           "                            written (errors only)\n"
           "  -h, --help                this help\n" BATCH_HELP);
    geometry_print_aliases();
    printf("\nexamples:\n"
           "  convtool apply -k sharpen photo.png sharp.png\n"
           "  convtool apply -k sobel -k sobel_y --combine magnitude photo.png edges.png\n"
           "  convtool apply --chain -k blur -k sharpen photo.png soft-sharp.png\n"
           "  convtool apply -k top_edge --map abs -o out/ *.jpg\n"
           "  find in -name '*.png' -print0 |\n"
           "      convtool apply -k blur --files-from - -0 --name '{stem}_{kernel}.{ext}' \\\n"
           "      -o out/\n");
}

static int bad_value(const char *option, const char *arg, const char *why)
{
    cli_error("%s '%s': %s", option, arg, why);
    return EXIT_USAGE;
}

static int parse_named(int opt, const char *arg, struct apply_options *o)
{
    const char *why = NULL;
    switch (opt) {
    case OPT_MAP:
        if (convtool_map_parse(arg, &o->map) != CONVTOOL_OK)
            return bad_value("--map", arg, "unknown mode (clamp, abs, shift, normalize)");
        o->map_given = 1;
        return EXIT_OK;
    case OPT_GROUPS:
        return parse_int_range(arg, 1, 1 << 20, &o->groups, &why) ? bad_value("--groups", arg, why)
                                                                 : 0;
    case OPT_METHOD:
        if (convtool_method_parse(arg, &o->geometry.method) != CONVTOOL_OK)
            return bad_value("--method", arg, "unknown method (direct, separable, fft, auto)");
        if (!convtool_method_available(o->geometry.method))
            return bad_value("--method", arg,
                             "this convtool was built without FFTW (Debian: libfftw3-dev); "
                             "use direct, separable or auto");
        return EXIT_OK;
    case OPT_COMBINE:
        if (convtool_combine_parse(arg, &o->combine) != CONVTOOL_OK)
            return bad_value("--combine", arg,
                             "unknown mode (separate, magnitude, max, sum, stack)");
        o->combine_given = 1;
        return EXIT_OK;
    case OPT_ALPHA:
        if (strcasecmp(arg, "keep") == 0)
            o->alpha = ALPHA_KEEP;
        else if (strcasecmp(arg, "filter") == 0)
            o->alpha = ALPHA_FILTER;
        else if (strcasecmp(arg, "drop") == 0)
            o->alpha = ALPHA_DROP;
        else
            return bad_value("--alpha", arg, "unknown mode (keep, filter, drop)");
        return EXIT_OK;
    case 'f':
        if (convtool_format_parse(arg, &o->format) != CONVTOOL_OK)
            return bad_value("--format", arg, "unknown format (png, jpg, bmp, tga, hdr, npy)");
        return EXIT_OK;
    case OPT_SCALE:
        return parse_double_finite(arg, &o->scale, &why) ? bad_value("--scale", arg, why) : 0;
    case OPT_BIAS:
        return apply_parse_bias(arg, o);
    case 'j':
        return parse_int_range(arg, 1, 256, &o->threads, &why) ? bad_value("--threads", arg, why)
                                                               : 0;
    case 'q':
        return parse_int_range(arg, 1, 100, &o->quality, &why) ? bad_value("--quality", arg, why)
                                                               : 0;
    case OPT_DEPTH:
        if (strcmp(arg, "8") != 0 && strcmp(arg, "16") != 0)
            return bad_value("--depth", arg, "bits per sample: 8 or 16");
        o->depth = atoi(arg);
        return EXIT_OK;
    case OPT_SAMPLING:
        if (convtool_jpeg_sampling_parse(arg, &o->sampling) != CONVTOOL_OK)
            return bad_value("--sampling", arg, "JPEG chroma sampling: 444, 422 or 420");
        return EXIT_OK;
    case OPT_PNG_LEVEL:
        if (parse_int_range(arg, CONVTOOL_PNG_LEVEL_MIN, CONVTOOL_PNG_LEVEL_MAX, &o->png_level,
                            &why))
            return bad_value("--png-level", arg, why);
        return EXIT_OK;
    case OPT_MAX_PIXELS:
        if (parse_u64(arg, &o->max_pixels, &why) || o->max_pixels == 0)
            return bad_value("--max-pixels", arg, why ? why : "must be at least 1");
        return EXIT_OK;
    case OPT_MAX_MEMORY:
    case OPT_MAX_WORK:
    case OPT_MAX_INPUT_BYTES:
        return apply_limit_option(opt == OPT_MAX_MEMORY ? LIMIT_MEMORY
                                  : opt == OPT_MAX_WORK ? LIMIT_WORK
                                                        : LIMIT_INPUT_BYTES,
                                  arg, o);
    }
    o->padding_given |= opt == 'p';
    o->mode_given |= opt == 'm';
    return geometry_option(opt, arg, &o->geometry);
}

/* --strip, --strip=all, or --strip all (the next word; a file named 'all' is ./all). */
static int parse_strip(char **argv, struct apply_options *o)
{
    const char *arg = optarg;
    if (!arg && argv[optind] && strcmp(argv[optind], "all") == 0)
        arg = argv[optind++];
    if (arg && strcmp(arg, "all") != 0)
        return bad_value("--strip", arg, "the only value is 'all' (or none: keep the profile)");
    o->strip = arg ? STRIP_ALL : STRIP_KEEP_PROFILE;
    return EXIT_OK;
}

static int parse_option(int opt, char **argv, struct apply_options *o)
{
    int batch = batch_option(opt, optarg, o);
    if (batch != BATCH_NOT_MINE)
        return batch;
    switch (opt) {
    case 'k':
        if (o->kernel_count == APPLY_MAX_KERNELS) {
            cli_error("-k: at most %d kernels", APPLY_MAX_KERNELS);
            return EXIT_USAGE;
        }
        o->kernel_specs[o->kernel_count++] = optarg;
        return EXIT_OK;
    case OPT_FLIP: o->flip = 1; return EXIT_OK;
    case OPT_NORMALIZE: o->normalize = 1; return EXIT_OK;
    case OPT_SHOW_KERNEL: o->show_kernel = 1; return EXIT_OK;
    case OPT_GRAY: o->gray = 1; return EXIT_OK;
    case OPT_QUIET: cli_quiet = 1; return EXIT_OK;
    case OPT_NO_SANDBOX: o->no_sandbox = 1; return EXIT_OK;
    case OPT_CHAIN: o->chain = 1; return EXIT_OK;
    case OPT_NO_AUTOROTATE: o->no_autorotate = 1; return EXIT_OK;
    case OPT_STRIP: return parse_strip(argv, o);
    case OPT_TORCH: o->torch = 1; return EXIT_OK;
    case OPT_GRID: o->grid = 1; return EXIT_OK;
    case OPT_KERNELS_DIR: o->kernels_dir = optarg; return EXIT_OK;
    case 'o':
        if (strcmp(optarg, "-") == 0) { /* stdout is one stream: a batch writes files */
            cli_error("-o -: -o takes a directory for a batch; for stdout give OUTPUT as - "
                      "(with -f FMT), or write -o ./- for a directory named '-'");
            return EXIT_USAGE;
        }
        o->output_dir = optarg;
        return EXIT_OK;
    case 'h': print_help(); return EXIT_HELP;
    case ':':
        cli_error("apply: option %s needs a value", argv[optind - 1]);
        return EXIT_USAGE;
    case '?':
        suggest_unknown_option("apply", argv, long_options); /* "did you mean --stride?" */
        return EXIT_USAGE;
    }
    return parse_named(opt, optarg, o);
}

static void set_defaults(struct apply_options *o)
{
    convtool_geometry_spec_default(&o->geometry);
    o->scale = 1.0;
    o->max_pixels = CONVTOOL_DEFAULT_MAX_PIXELS;
    o->batch.max_list_bytes = FILES_FROM_DEFAULT_MAX_BYTES;
    apply_limit_defaults(o);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cpus < 1 ? 1 : cpus > 256 ? 256 : (int)cpus;
}

static int check_positionals(struct apply_options *o, int argc, char **argv)
{
    int n = argc - optind;
    if (geometry_torch_rules(&o->geometry, o->torch, o->padding_given, o->mode_given) !=
        EXIT_OK)
        return EXIT_USAGE;
    if (o->chain && o->combine_given) {
        cli_error("apply: --chain applies the kernels in turn into one image and --combine "
                  "merges their separate results; give one of them");
        return EXIT_USAGE;
    }
    if (o->kernel_count == 0) {
        cli_error("apply: no kernel given (-k NAME, e.g. -k sharpen; see 'convtool kernels')");
        return EXIT_USAGE;
    }
    int rc = batch_collect_inputs(o, n, argv + optind);
    if (rc != EXIT_OK || o->output_dir)
        return rc;
    if (n != 2) {
        cli_error("apply: expected INPUT OUTPUT, got %d file name%s (use -o DIR for several "
                  "inputs)",
                  n, n == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    o->inputs = argv + optind;
    o->input_count = 1;
    o->output = argv[optind + 1];
    return EXIT_OK;
}

int apply_parse_args(int argc, char **argv, struct apply_options *o)
{
    set_defaults(o);
    opterr = 0;
    int opt;
    struct option_history seen = {.longs = long_options};
    while ((opt = getopt_long(argc, argv, ":k:j:f:q:o:h" GEOMETRY_SHORT_OPTS BATCH_SHORT_OPTS,
                              long_options, NULL)) != -1) {
        /* -k is the one option that may be given several times. */
        int takes_value = optarg && opt != 'k' && opt != ':' && opt != '?';
        if (takes_value && option_check_value(&seen, opt, argv) != EXIT_OK)
            return EXIT_USAGE;
        int rc = parse_option(opt, argv, o);
        if (rc != EXIT_OK) {
            if (takes_value)
                option_hint_dash_file(optarg, argv);
            return rc;
        }
    }
    return check_positionals(o, argc, argv);
}

void apply_free_args(struct apply_options *o)
{
    free(o->biases);
    o->biases = NULL;
    if (o->output_dir)
        free(o->inputs);
    free(o->files_from_text);
    o->inputs = NULL;
    o->files_from_text = NULL;
}
