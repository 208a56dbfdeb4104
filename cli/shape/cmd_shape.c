/* convtool shape: output sizes from sizes or image headers, without decoding pixels. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/geometry_opts.h"
#include "common/json.h"
#include "common/kernel_spec.h"
#include "common/messages.h"
#include "common/numparse.h"
#include "common/option_check.h"
#include "common/suggest.h"
#include "shape/cmd_shape.h"
#include "shape/shape_layers.h"

#define MAX_KERNELS 64
#define HEADER_PREFIX (256 * 1024)
#define MAX_SOURCES 64
#define NET_NAME_MAX 256

/* A --net or --layers option, kept in command-line order. */
struct layer_source {
    int is_net;
    const char *text;
};

struct shape_options {
    convtool_geometry_spec geometry;
    int geometry_given;
    const char *kernel_specs[MAX_KERNELS];
    int kernel_count;
    struct layer_source sources[MAX_SOURCES];
    int source_count;
    const char *kernels_dir;
    int explain, json, list_nets;
    int torch, groups, padding_given, mode_given;
    int no_autorotate; /* images: the stored size, as apply --no-autorotate writes */
};

/* A -k of shape: its size and name; a 4-D weight also its O and C/groups. */
struct shape_kernel {
    convtool_kernel k;
    int o, c_per_group; /* 0 for kernels that filter each channel on its own */
};


static void print_help(void)
{
    printf("usage: convtool shape [OPTIONS] -k SPEC (WxH | WxHxC | IMAGE)...\n"
           "       convtool shape [--explain|--json] (--net NAME|FILE | --layers TEXT)...\n"
           "                      (WxH | WxHxC | IMAGE)...\n"
           "       convtool shape --list-nets\n\n"
           "Prints the output size of a convolution, or of each layer of a network; images\n"
           "are read only as far as their header. Shapes are also shown in PyTorch order\n"
           "(C, H, W).\n\n"
           "options:\n"
           "  -k, --kernel SPEC         a size (3, 5x3 = width x height), a name, a file or\n"
           "                            an inline matrix; repeatable\n" GEOMETRY_HELP
           "      --layers TEXT         layers separated by ';' or newlines (below); repeatable\n"
           "      --net NAME|FILE       a built-in net (--list-nets) or a file of layers\n"
           "      --list-nets           the built-in nets\n"
           "      --explain             show the formula with the numbers put in\n"
           "      --json                one JSON object per input (and kernel)\n"
           "      --kernels-dir DIR     where named kernels are looked up first\n"
           "      --torch               torch's defaults (padding 0); refuse what F.conv2d\n"
           "                            refuses (padding same with a stride)\n"
           "      --groups G            groups of a 4-D weight -k (default: inferred)\n"
           "      --no-autorotate       an image's stored size, not the size shown (EXIF\n"
           "                            orientation 5-8), as apply --no-autorotate writes\n"
           "  -h, --help                this help\n\n"
           "layers (sizes width first, pairs Y,X, as for -k/-s/-p/-d; conv padding default 0):\n"
           "  conv C kK|kWxH [sN] [pN|same|valid] [dN] [gN] [nobias]\n"
           "  maxpool kK [sN] [pN] [dN] [ceil]     avgpool kK [sN] [pN] [ceil]  (s defaults to k)\n"
           "  adaptive_avgpool N|WxH   gap   flatten   linear N [nobias]   bn   relu   dropout\n"
           "  repeat N { LAYER; ... }  # comment    description: TEXT (in a file)\n\n"
           "examples:\n"
           "  convtool shape 28x28 -k 3 -p 0          # 26x26\n"
           "  convtool shape 352x352x3 -k 3 -s 2 -p 1 # 176x176\n"
           "  convtool shape photo.png -k sobel --explain\n"
           "  convtool shape 352x352x3 --net resnet18\n"
           "  convtool shape 28x28 --layers 'conv 32 k3 p1; maxpool k2; flatten; linear 10'\n");
}

/* What must, and what may not, come together. */
static int check_args(int argc, const struct shape_options *o)
{
    if (o->list_nets)
        return EXIT_OK;
    if (o->source_count > 0 && (o->kernel_count > 0 || o->geometry_given || o->groups)) {
        cli_error("shape: -k, -s, -p, -d and -m do not go with --net/--layers; write the "
                  "convolution as a layer (conv C k3 s2 p1)");
        return EXIT_USAGE;
    }
    if (o->kernel_count == 0 && o->source_count == 0) {
        cli_error("shape: no kernel given (-k 3, -k 5x3, or a kernel name) and no --net or "
                  "--layers");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("shape: no input given (WxH, WxHxC or an image file)");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct shape_options *o)
{
    static const struct option longs[] = {
        {"kernel", 1, NULL, 'k'},      GEOMETRY_LONG_OPTS,         {"explain", 0, NULL, 'E'},
        {"json", 0, NULL, 'J'},        {"kernels-dir", 1, NULL, 'K'}, {"help", 0, NULL, 'h'},
        {"layers", 1, NULL, 'L'},      {"net", 1, NULL, 'N'},      {"list-nets", 0, NULL, 'T'},
        {"torch", 0, NULL, 'P'},       {"groups", 1, NULL, 'G'},
        {"no-autorotate", 0, NULL, 'R'},
        {NULL, 0, NULL, 0}};
    const char *why;
    int opt;
    struct option_history seen = {.longs = longs};
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":k:h" GEOMETRY_SHORT_OPTS, longs, NULL)) != -1) {
        /* -k, --layers and --net may be given several times. */
        int takes_value = optarg && !strchr("kLN:?", opt);
        if (takes_value && option_check_value(&seen, opt, argv) != EXIT_OK)
            return EXIT_USAGE;
        switch (opt) {
        case 'k':
            if (o->kernel_count == MAX_KERNELS) {
                cli_error("-k: at most %d kernels", MAX_KERNELS);
                return EXIT_USAGE;
            }
            o->kernel_specs[o->kernel_count++] = optarg;
            break;
        case 'E': o->explain = 1; break;
        case 'J': o->json = 1; break;
        case 'K': o->kernels_dir = optarg; break;
        case 'T': o->list_nets = 1; break;
        case 'P': o->torch = 1; break;
        case 'R': o->no_autorotate = 1; break;
        case 'G':
            if (parse_int_range(optarg, 1, 1 << 20, &o->groups, &why)) {
                cli_error("--groups '%s': %s", optarg, why);
                return EXIT_USAGE;
            }
            break;
        case 'L':
        case 'N':
            if (o->source_count == MAX_SOURCES) {
                cli_error("%s: at most %d --net and --layers options", argv[optind - 1],
                          MAX_SOURCES);
                return EXIT_USAGE;
            }
            o->sources[o->source_count++] = (struct layer_source){opt == 'N', optarg};
            break;
        case 'h': print_help(); return EXIT_HELP;
        case ':':
            cli_error("shape: option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        case '?':
            suggest_unknown_option("shape", argv, longs); /* "did you mean --explain?" */
            return EXIT_USAGE;
        default:
            o->geometry_given = 1;
            o->padding_given |= opt == 'p';
            o->mode_given |= opt == 'm';
            if (geometry_option(opt, optarg, &o->geometry) != EXIT_OK) {
                option_hint_dash_file(optarg, argv);
                return EXIT_USAGE;
            }
        }
    }
    int rc = geometry_torch_rules(&o->geometry, o->torch, o->padding_given, o->mode_given);
    return rc != EXIT_OK ? EXIT_USAGE : check_args(argc, o);
}

/* Reads at most `limit` bytes from the start of a file. */
static convtool_status read_prefix(const char *path, size_t limit, convtool_buffer *buf,
                                   int *whole)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? CONVTOOL_ENOENT : CONVTOOL_EIO;
    if (!S_ISREG(sb.st_mode)) /* a FIFO could hang us, a device never end */
        return S_ISDIR(sb.st_mode) ? (errno = EISDIR, CONVTOOL_EIO) : CONVTOOL_ENOTREG;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? CONVTOOL_ENOENT : CONVTOOL_EIO;
    convtool_status st = CONVTOOL_OK;
    char chunk[16384];
    size_t got;
    while (st == CONVTOOL_OK && buf->len < limit &&
           (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = convtool_buffer_append(buf, chunk, got);
    *whole = feof(f);
    if (ferror(f))
        st = CONVTOOL_EIO;
    fclose(f);
    return st;
}

/* An image file: only its first bytes are read, enough for the header; a JPEG
 * whose metadata pushes the frame header further is read further. */
static int probe_image(struct net_input *in, int keep_stored)
{
    convtool_buffer buf = {0};
    convtool_image_info info;
    int whole = 0;
    convtool_status st = read_prefix(in->text, HEADER_PREFIX, &buf, &whole);
    if (st == CONVTOOL_OK)
        st = convtool_image_probe(buf.data, buf.len, &info);
    if (st == CONVTOOL_ECORRUPT && !whole) {
        convtool_buffer_free(&buf);
        st = convtool_read_file(in->text, 0, &buf);
        if (st == CONVTOOL_OK)
            st = convtool_image_probe(buf.data, buf.len, &info);
    }
    convtool_buffer_free(&buf);
    if (st == CONVTOOL_ENOENT) {
        cli_error("%s: not a size (WxH or WxHxC) and no such file", in->text);
        return EXIT_RUNTIME;
    }
    if (st != CONVTOOL_OK) {
        cli_error("%s: %s", in->text,
                  st == CONVTOOL_EIO ? strerror(errno) : convtool_strerror(st));
        return EXIT_RUNTIME;
    }
    /* the shown size: apply turns an EXIF orientation of 5..8 (a phone portrait) upright,
     * unless --no-autorotate keeps the stored pixels */
    int turned = info.orientation >= 5 && !keep_stored;
    in->w = turned ? info.height : info.width;
    in->h = turned ? info.width : info.height;
    in->c = info.channels;
    in->n = info.npy_batch;
    return EXIT_OK;
}

/* Digits and x's only ("0x5", "28x28x0"): meant as a size, not a file name. */
static int looks_like_size(const char *text)
{
    return text[0] != '\0' && strspn(text, "0123456789xX") == strlen(text) &&
           strpbrk(text, "xX") != NULL;
}

static int read_input(const char *text, int keep_stored, struct net_input *in)
{
    const char *why;
    struct stat st;
    in->text = text;
    in->n = 0;
    if (parse_size_wxh(text, &in->w, &in->h, &in->c, &why) == 0) {
        if (in->c == 0)
            in->c = 1;
        return EXIT_OK;
    }
    /* A bad size is a usage error; only an existing file of that name is probed. */
    if (looks_like_size(text) && stat(text, &st) != 0) {
        cli_error("%s: not a valid size: %s (each side must be at least 1)", text, why);
        return EXIT_USAGE;
    }
    return probe_image(in, keep_stored);
}

static void print_explain(const struct net_input *in, const convtool_geometry *g)
{
    char name[CLI_MESSAGE_MAX];
    cli_escape(in->text, name, sizeof name);
    printf("%s: kernel %dx%d, stride %d,%d, dilation %d,%d, padding top %d bottom %d left %d "
           "right %d\n",
           name, g->k_w, g->k_h, g->stride_y, g->stride_x, g->dilation_y, g->dilation_x,
           g->pad_top, g->pad_bottom, g->pad_left, g->pad_right);
    printf("  out = floor((in + pad_before + pad_after - dilation*(k-1) - 1) / stride) + 1\n");
    printf("  height: floor((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %d\n", g->in_h,
           g->pad_top, g->pad_bottom, g->dilation_y, g->k_h, g->stride_y, g->out_h);
    printf("  width:  floor((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %d\n", g->in_w,
           g->pad_left, g->pad_right, g->dilation_x, g->k_w, g->stride_x, g->out_w);
}

/* "[N, C, H, W]" or "[C, H, W]": torch's order, with the batch axis of a (N, C, H, W) input. */
static void put_shape(const struct net_input *in, int c, int h, int w, const char *sep)
{
    if (in->n > 0)
        printf("[%d%s%d%s%d%s%d]", in->n, sep, c, sep, h, sep, w);
    else
        printf("[%d%s%d%s%d]", c, sep, h, sep, w);
}

static void print_json(const struct net_input *in, const struct shape_kernel *sk,
                       const convtool_geometry *g, int out_c)
{
    const convtool_kernel *k = &sk->k;
    printf("{\"input\":");
    json_put_string(stdout, in->text);
    printf(",\"kernel\":");
    json_put_string(stdout, k->name);
    printf(",\"in\":{\"width\":%d,\"height\":%d,\"channels\":%d},"
           "\"out\":{\"width\":%d,\"height\":%d,\"channels\":%d},"
           "\"kernel_size\":{\"width\":%d,\"height\":%d},\"stride\":[%d,%d],"
           "\"dilation\":[%d,%d],\"padding\":{\"top\":%d,\"bottom\":%d,\"left\":%d,\"right\":%d},"
           "\"pad_mode\":\"%s\",",
           in->w, in->h, in->c, g->out_w, g->out_h, out_c, g->k_w, g->k_h, g->stride_y,
           g->stride_x, g->dilation_y, g->dilation_x, g->pad_top, g->pad_bottom, g->pad_left,
           g->pad_right, convtool_pad_mode_name(g->mode));
    if (sk->o)
        printf("\"weight\":[%d,%d,%d,%d],", sk->o, sk->c_per_group, k->h, k->w);
    if (in->n > 0)
        printf("\"batch\":%d,", in->n);
    printf("\"shape_in\":");
    put_shape(in, in->c, in->h, in->w, ",");
    printf(",\"shape_out\":");
    put_shape(in, out_c, g->out_h, g->out_w, ",");
    printf("}\n");
}

/* The output channels: the weight's O (its groups checked as apply checks them), else C. */
static int out_channels(const struct shape_options *o, const struct net_input *in,
                        const struct shape_kernel *sk, int *out_c)
{
    *out_c = in->c;
    if (!sk->o)
        return EXIT_OK;
    int g = o->groups ? o->groups : in->c % sk->c_per_group == 0 ? in->c / sk->c_per_group : 0;
    if (g == 0 || (long)g * sk->c_per_group != in->c || sk->o % g != 0) {
        char given[48] = "";
        if (o->groups)
            snprintf(given, sizeof given, " with --groups %d", o->groups);
        cli_error("%s: %d input channel%s do not fit the weight (%d, %d, %d, %d)%s: it takes %d "
                  "per group, and its %d outputs must split into the groups (torch: \"expected "
                  "input to have %d channels\")",
                  in->text, in->c, in->c == 1 ? "" : "s", sk->o, sk->c_per_group, sk->k.h,
                  sk->k.w, given, sk->c_per_group, sk->o,
                  (o->groups ? o->groups : 1) * sk->c_per_group);
        return EXIT_USAGE;
    }
    *out_c = sk->o;
    return EXIT_OK;
}

static int shape_one(const struct shape_options *o, const struct net_input *in,
                     const struct shape_kernel *sk)
{
    const convtool_kernel *k = &sk->k;
    convtool_geometry g;
    int out_c;
    int rc = out_channels(o, in, sk, &out_c);
    if (rc != EXIT_OK)
        return rc;
    convtool_status st =
        convtool_geometry_resolve(&o->geometry, in->h, in->w, k->h, k->w, &g);
    if (st != CONVTOOL_OK) {
        geometry_explain_error(in->text, &o->geometry, in->h, in->w, k);
        return cli_exit_code(st);
    }
    if (o->json) {
        print_json(in, sk, &g, out_c);
        return EXIT_OK;
    }
    if (o->explain)
        print_explain(in, &g);
    char name[CLI_MESSAGE_MAX];
    cli_escape(in->text, name, sizeof name);
    printf("%s -> %dx%d", name, g.out_w, g.out_h);
    if (sk->o)
        printf("  (weight %s (%d, %d, %d, %d))", k->name, sk->o, sk->c_per_group, k->h, k->w);
    else if (o->kernel_count > 1)
        printf("  (kernel %s %dx%d)", k->name, k->w, k->h);
    printf("    ");
    put_shape(in, in->c, in->h, in->w, ", ");
    printf(" -> ");
    put_shape(in, out_c, g.out_h, g.out_w, ", ");
    printf("\n");
    return EXIT_OK;
}

/* A weight keeps only its shape (shape reads no values); anything else loads as before. */
static int load_kernel(const struct shape_options *o, int i, struct shape_kernel *sk)
{
    convtool_kernel_spec any;
    const char *spec = o->kernel_specs[i];
    memset(sk, 0, sizeof *sk);
    int rc = kernel_spec_load_any(spec, o->kernels_dir, i + 1, SPEC_FOR_SHAPE, &any);
    if (rc == EXIT_OK && any.is_weight) {
        sk->o = any.weight.o;
        sk->c_per_group = any.weight.c_per_group;
        sk->k.h = any.weight.h;
        sk->k.w = any.weight.w;
        sk->k.scale = 1.0;
        snprintf(sk->k.name, sizeof sk->k.name, "%s", any.name);
    }
    int weight = rc == EXIT_OK && any.is_weight;
    if (rc == EXIT_OK)
        convtool_kernel_spec_free(&any);
    if (rc == EXIT_OK && !weight)
        rc = kernel_spec_load(spec, o->kernels_dir, i + 1, SPEC_FOR_SHAPE, &sk->k);
    return rc;
}

static int load_kernels(const struct shape_options *o, struct shape_kernel *kernels)
{
    for (int i = 0; i < o->kernel_count; i++) {
        int rc = load_kernel(o, i, &kernels[i]);
        if (rc != EXIT_OK)
            return rc;
        if (o->groups && !kernels[i].o) {
            cli_error("--groups %d: groups split the channels of a 4-D weight; -k %s filters "
                      "each channel on its own",
                      o->groups, o->kernel_specs[i]);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Loads every --net and --layers in order; names them for the table's header. */
static int load_layers(const struct shape_options *o, struct layer_list *layers, char *name,
                       size_t name_size, char *description, size_t description_size)
{
    size_t used = 0;
    name[0] = '\0';
    for (int i = 0; i < o->source_count; i++) {
        const struct layer_source *src = &o->sources[i];
        int rc = src->is_net ? net_load(src->text, layers, description, description_size)
                             : net_add_inline(src->text, layers);
        if (rc != EXIT_OK)
            return rc;
        if (used < name_size)
            used += (size_t)snprintf(name + used, name_size - used, "%s%s", i ? " + " : "",
                                     src->is_net ? src->text : "--layers");
    }
    if (o->source_count > 1 || !o->sources[0].is_net)
        description[0] = '\0'; /* a description fits one whole net only */
    if (layers->count == 0) {
        cli_error("shape: %s: no layers given", name);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* A reader that went away (`| head -1`) ends the run: the rest would be lost anyway. */
static int stdout_closed(void)
{
    return fflush(stdout) != 0 || ferror(stdout);
}

/* shape --net/--layers: one table (or JSON object) per input. */
static int shape_layers(const struct shape_options *o, int argc, char **argv)
{
    struct layer_list layers = {0};
    char name[NET_NAME_MAX], description[160] = "";
    int rc = load_layers(o, &layers, name, sizeof name, description, sizeof description);
    struct net_report_options ro = {.net_name = name, .description = description,
                                    .explain = o->explain, .json = o->json, .torch = o->torch};
    if (rc != EXIT_OK) {
        layer_list_free(&layers);
        return rc;
    }
    int tables = 0;
    for (int a = optind; rc != EXIT_USAGE && a < argc; a++) {
        struct net_input in;
        int one = read_input(argv[a], o->no_autorotate, &in);
        if (one == EXIT_OK) {
            if (tables++ > 0 && !o->json)
                putchar('\n'); /* a blank line between tables */
            one = net_report(&in, &layers, &ro);
        }
        if (one != EXIT_OK && rc == EXIT_OK)
            rc = one;
        if (stdout_closed())
            break;
    }
    layer_list_free(&layers);
    int out = cli_finish_stdout();
    return rc != EXIT_OK ? rc : out;
}

int cmd_shape(int argc, char **argv)
{
    struct shape_options o = {0};
    convtool_geometry_spec_default(&o.geometry);
    struct shape_kernel kernels[MAX_KERNELS] = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_HELP)
        return cli_finish_stdout();
    if (rc == EXIT_OK && o.list_nets) {
        net_print_presets();
        return cli_finish_stdout();
    }
    if (rc == EXIT_OK && o.source_count > 0)
        return shape_layers(&o, argc, argv);
    if (rc == EXIT_OK)
        rc = load_kernels(&o, kernels);
    if (rc != EXIT_OK) {
        for (int i = 0; i < o.kernel_count; i++)
            convtool_kernel_free(&kernels[i].k);
        return rc;
    }
    for (int a = optind; a < argc; a++) {
        struct net_input in;
        int one = read_input(argv[a], o.no_autorotate, &in);
        for (int i = 0; one == EXIT_OK && i < o.kernel_count; i++)
            one = shape_one(&o, &in, &kernels[i]);
        if (one != EXIT_OK && rc == EXIT_OK)
            rc = one;
        if (rc == EXIT_USAGE || stdout_closed())
            break;
    }
    for (int i = 0; i < o.kernel_count; i++)
        convtool_kernel_free(&kernels[i].k);
    int out = cli_finish_stdout();
    return rc != EXIT_OK ? rc : out;
}
