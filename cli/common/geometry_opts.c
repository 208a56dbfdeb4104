/* Parsing and explaining the convolution geometry options. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/geometry_opts.h"
#include "common/messages.h"
#include "common/numparse.h"

#define MAX_STEP 65536L

static int parse_padding(const char *arg, convtool_geometry_spec *spec, const char **why)
{
    if (strcasecmp(arg, "same") == 0) {
        spec->padding = CONVTOOL_PADDING_SAME;
        return 0;
    }
    if (strcasecmp(arg, "valid") == 0) {
        spec->padding = CONVTOOL_PADDING_VALID;
        return 0;
    }
    spec->padding = CONVTOOL_PADDING_EXPLICIT;
    return parse_int_pair(arg, 0, 1L << 20, &spec->pad_y, &spec->pad_x, why);
}

/*
 * "--stride 2x2" (a size's spelling) gets the forms the option takes; a
 * number out of range or negative is already clear as numparse says it.
 */
static void explain_bad_value(int opt, const char *name, const char *arg, const char *why)
{
    static const char *const forms[] = {
        "N or SY,SX, e.g. --stride 2 or --stride 2,2",
        "N or DY,DX, e.g. --dilation 2 or --dilation 2,2",
        "N, PY,PX, same or valid, e.g. --padding 1 or --padding 1,1",
    };
    if (strncmp(why, "out of range", 12) == 0 || strcmp(why, "must not be negative") == 0) {
        cli_error("%s '%s': %s", name, arg, why);
        return;
    }
    if (strcmp(why, "trailing characters") == 0)
        why = "not a number";
    cli_error("%s '%s': %s; write %s", name, arg, why, forms[opt == 's' ? 0 : opt == 'd' ? 1 : 2]);
}

int geometry_option(int opt, const char *arg, convtool_geometry_spec *spec)
{
    const char *why = NULL, *name = "";
    int bad = 0;
    switch (opt) {
    case 's':
        name = "--stride";
        bad = parse_int_pair(arg, 1, MAX_STEP, &spec->stride_y, &spec->stride_x, &why);
        break;
    case 'd':
        name = "--dilation";
        bad = parse_int_pair(arg, 1, MAX_STEP, &spec->dilation_y, &spec->dilation_x, &why);
        break;
    case 'p':
        name = "--padding";
        bad = parse_padding(arg, spec, &why);
        break;
    case 'm':
        name = "--pad-mode";
        if (convtool_pad_mode_parse(arg, &spec->mode) != CONVTOOL_OK) {
            cli_error("--pad-mode '%s': unknown mode (zeros, replicate, reflect, symmetric, "
                      "circular)",
                      arg);
            return EXIT_USAGE;
        }
        break;
    }
    if (bad) {
        explain_bad_value(opt, name, arg, why);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void geometry_print_aliases(void)
{
    printf("\npadding-mode aliases (other tools' names):\n");
    for (const char *const *a = convtool_pad_mode_aliases(); *a; a++)
        printf("  %s\n", *a);
}

/* floor() of a possibly negative quotient, as the formula means it. */
static long floor_div(long a, long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static void explain_axis(const char *input, const char *axis, int in, int k, int before,
                         int after, int stride, int dil)
{
    long num = (long)in + before + after - (long)dil * (k - 1) - 1;
    long out = floor_div(num, stride) + 1;
    if (out >= 1)
        return;
    cli_error("%s: the output would have %ld %s: floor((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 "
              "= %ld; it must be at least 1 (use more padding or a smaller kernel, stride or "
              "dilation)",
              input, out, axis, in, before, after, dil, k, stride, out);
}

static void explain_pad_too_wide(const char *input, const convtool_geometry *g)
{
    cli_error("%s: padding %d,%d (rows) %d,%d (columns) is too wide for --pad-mode %s on a "
              "%dx%d input: %s padding must be smaller than the input on each axis",
              input, g->pad_top, g->pad_bottom, g->pad_left, g->pad_right,
              convtool_pad_mode_name(g->mode), g->in_w, g->in_h, convtool_pad_mode_name(g->mode));
}

void geometry_explain_error(const char *input, const convtool_geometry_spec *spec, int in_h,
                            int in_w, const convtool_kernel *k)
{
    convtool_geometry g;
    convtool_geometry_spec valid_mode = *spec;
    valid_mode.mode = CONVTOOL_PAD_ZEROS; /* resolve the sizes without the mode check */
    convtool_status st = convtool_geometry_resolve(&valid_mode, in_h, in_w, k->h, k->w, &g);
    if (st == CONVTOOL_EGEOMETRY) {
        explain_axis(input, "rows", in_h, k->h, g.pad_top, g.pad_bottom, g.stride_y,
                     g.dilation_y);
        explain_axis(input, "columns", in_w, k->w, g.pad_left, g.pad_right, g.stride_x,
                     g.dilation_x);
    } else if (st == CONVTOOL_OK) {
        g.mode = spec->mode;
        explain_pad_too_wide(input, &g);
    } else {
        cli_error("%s: %s", input, convtool_strerror(st));
    }
}

int geometry_torch_rules(convtool_geometry_spec *g, int torch, int padding_given, int mode_given)
{
    if (torch && !padding_given) {
        g->padding = CONVTOOL_PADDING_EXPLICIT;
        g->pad_y = g->pad_x = 0;
    }
    if (torch && !mode_given)
        g->mode = CONVTOOL_PAD_ZEROS;
    if (g->padding != CONVTOOL_PADDING_SAME || (g->stride_y == 1 && g->stride_x == 1) ||
        !padding_given) /* convtool's own default: no torch call behind it */
        return EXIT_OK;
    if (torch) {
        cli_error("--torch: torch refuses padding='same' with stride %d,%d (\"padding='same' is "
                  "not supported for strided convolutions\"); give -p N",
                  g->stride_y, g->stride_x);
        return EXIT_USAGE;
    }
    cli_warn("padding same with stride %d,%d: torch would refuse it (F.conv2d takes 'same' only "
             "at stride 1); convtool pads d*(k-1) in all, the extra pixel bottom/right",
             g->stride_y, g->stride_x);
    return EXIT_OK;
}
