/* convtool shape: output sizes from sizes or image headers, without decoding pixels. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "geometry_opts.h"
#include "kernel_spec.h"
#include "numparse.h"

#define MAX_KERNELS 64
#define HEADER_PREFIX (256 * 1024)

struct shape_options {
    convtool_geometry_spec geometry;
    const char *kernel_specs[MAX_KERNELS];
    int kernel_count;
    const char *kernels_dir;
    int explain, json;
};

struct shape_input {
    const char *text;
    int w, h, c;
};

static void print_help(void)
{
    printf("usage: convtool shape [OPTIONS] -k SPEC (WxH | WxHxC | IMAGE)...\n\n"
           "Prints the output size of a convolution; images are read only as far as their\n"
           "header. Each line also shows the tensor shape in PyTorch order (C, H, W).\n\n"
           "options:\n"
           "  -k, --kernel SPEC         a size (3, 5x3 = width x height), a name, a file or\n"
           "                            an inline matrix; repeatable\n" GEOMETRY_HELP
           "      --explain             show the formula with the numbers put in\n"
           "      --json                one JSON object per input and kernel\n"
           "      --kernels-dir DIR     where named kernels are looked up first\n"
           "  -h, --help                this help\n\n"
           "examples:\n"
           "  convtool shape 28x28 -k 3 -p 0          # 26x26\n"
           "  convtool shape 352x352x3 -k 3 -s 2 -p 1 # 176x176\n"
           "  convtool shape photo.png -k sobel --explain\n");
}

static int parse_args(int argc, char **argv, struct shape_options *o)
{
    static const struct option longs[] = {
        {"kernel", 1, NULL, 'k'},      GEOMETRY_LONG_OPTS,         {"explain", 0, NULL, 'E'},
        {"json", 0, NULL, 'J'},        {"kernels-dir", 1, NULL, 'K'}, {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":k:h" GEOMETRY_SHORT_OPTS, longs, NULL)) != -1) {
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
        case 'h': print_help(); exit(cli_finish_stdout());
        case ':':
            cli_error("shape: option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        case '?':
            cli_error("shape: unknown option '%s' (see 'convtool shape --help')",
                      cli_unknown_option(argv));
            return EXIT_USAGE;
        default:
            if (geometry_option(opt, optarg, &o->geometry) != EXIT_OK)
                return EXIT_USAGE;
        }
    }
    if (o->kernel_count == 0) {
        cli_error("shape: no kernel given (-k 3, -k 5x3, or a kernel name)");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("shape: no input given (WxH, WxHxC or an image file)");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Reads at most `limit` bytes from the start of a file. */
static convtool_status read_prefix(const char *path, size_t limit, convtool_buffer *buf,
                                   int *whole)
{
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
static int probe_image(struct shape_input *in)
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
    in->w = info.width;
    in->h = info.height;
    in->c = info.channels;
    return EXIT_OK;
}

static int read_input(const char *text, struct shape_input *in)
{
    const char *why;
    in->text = text;
    if (parse_size_wxh(text, &in->w, &in->h, &in->c, &why) == 0) {
        if (in->c == 0)
            in->c = 1;
        return EXIT_OK;
    }
    return probe_image(in);
}

static void print_explain(const struct shape_input *in, const convtool_geometry *g)
{
    printf("%s: kernel %dx%d, stride %d,%d, dilation %d,%d, padding top %d bottom %d left %d "
           "right %d\n",
           in->text, g->k_w, g->k_h, g->stride_y, g->stride_x, g->dilation_y, g->dilation_x,
           g->pad_top, g->pad_bottom, g->pad_left, g->pad_right);
    printf("  out = floor((in + pad_before + pad_after - dilation*(k-1) - 1) / stride) + 1\n");
    printf("  height: floor((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %d\n", g->in_h,
           g->pad_top, g->pad_bottom, g->dilation_y, g->k_h, g->stride_y, g->out_h);
    printf("  width:  floor((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %d\n", g->in_w,
           g->pad_left, g->pad_right, g->dilation_x, g->k_w, g->stride_x, g->out_w);
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const struct shape_input *in, const convtool_kernel *k,
                       const convtool_geometry *g)
{
    printf("{\"input\":");
    print_json_string(in->text);
    printf(",\"kernel\":");
    print_json_string(k->name);
    printf(",\"in\":{\"width\":%d,\"height\":%d,\"channels\":%d},"
           "\"out\":{\"width\":%d,\"height\":%d,\"channels\":%d},"
           "\"kernel_size\":{\"width\":%d,\"height\":%d},\"stride\":[%d,%d],"
           "\"dilation\":[%d,%d],\"padding\":{\"top\":%d,\"bottom\":%d,\"left\":%d,\"right\":%d},"
           "\"pad_mode\":\"%s\",\"shape_in\":[%d,%d,%d],\"shape_out\":[%d,%d,%d]}\n",
           in->w, in->h, in->c, g->out_w, g->out_h, in->c, g->k_w, g->k_h, g->stride_y,
           g->stride_x, g->dilation_y, g->dilation_x, g->pad_top, g->pad_bottom, g->pad_left,
           g->pad_right, convtool_pad_mode_name(g->mode), in->c, in->h, in->w, in->c, g->out_h,
           g->out_w);
}

static int shape_one(const struct shape_options *o, const struct shape_input *in,
                     const convtool_kernel *k)
{
    convtool_geometry g;
    convtool_status st =
        convtool_geometry_resolve(&o->geometry, in->h, in->w, k->h, k->w, &g);
    if (st != CONVTOOL_OK) {
        geometry_explain_error(in->text, &o->geometry, in->h, in->w, k);
        return cli_exit_code(st);
    }
    if (o->json) {
        print_json(in, k, &g);
        return EXIT_OK;
    }
    if (o->explain)
        print_explain(in, &g);
    printf("%s -> %dx%d", in->text, g.out_w, g.out_h);
    if (o->kernel_count > 1)
        printf("  (kernel %s %dx%d)", k->name, k->w, k->h);
    printf("    [%d, %d, %d] -> [%d, %d, %d]\n", in->c, in->h, in->w, in->c, g.out_h, g.out_w);
    return EXIT_OK;
}

static int load_kernels(const struct shape_options *o, convtool_kernel *kernels)
{
    for (int i = 0; i < o->kernel_count; i++) {
        int rc = kernel_spec_load(o->kernel_specs[i], o->kernels_dir, i + 1, SPEC_FOR_SHAPE,
                                  &kernels[i]);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

int cmd_shape(int argc, char **argv)
{
    struct shape_options o = {0};
    convtool_geometry_spec_default(&o.geometry);
    convtool_kernel kernels[MAX_KERNELS] = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_OK)
        rc = load_kernels(&o, kernels);
    if (rc != EXIT_OK) {
        for (int i = 0; i < o.kernel_count; i++)
            convtool_kernel_free(&kernels[i]);
        return rc;
    }
    for (int a = optind; a < argc; a++) {
        struct shape_input in;
        int one = read_input(argv[a], &in);
        for (int i = 0; one == EXIT_OK && i < o.kernel_count; i++)
            one = shape_one(&o, &in, &kernels[i]);
        if (one != EXIT_OK && rc == EXIT_OK)
            rc = one;
        if (rc == EXIT_USAGE)
            break;
    }
    for (int i = 0; i < o.kernel_count; i++)
        convtool_kernel_free(&kernels[i]);
    int out = cli_finish_stdout();
    return rc != EXIT_OK ? rc : out;
}
