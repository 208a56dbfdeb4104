/*
 * --bias as F.conv2d takes it: a vector of one value per output channel. One
 * number is added everywhere (as before); "0.1,0.2,0.3" or a .npy of shape
 * (O,) gives each output channel its own, and a length that is not the
 * number of output channels is refused with both numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/apply_bias.h"
#include "common/messages.h"
#include "common/numparse.h"

#define MAX_BIASES 65536

static int looks_npy(const char *arg)
{
    size_t n = strlen(arg);
    return n > 4 && strcmp(arg + n - 4, ".npy") == 0;
}

static int bias_from_npy(const char *arg, struct apply_options *o)
{
    convtool_kernel k;
    convtool_parse_error err;
    convtool_status st = convtool_kernel_load_file(arg, &k, &err);
    if (st != CONVTOOL_OK) {
        cli_error("--bias %s: %s", arg, err.message[0] ? err.message : convtool_strerror(st));
        return st == CONVTOOL_EPARSE || st == CONVTOOL_EUNSUPPORTED ? EXIT_USAGE : EXIT_RUNTIME;
    }
    if (k.h != 1) {
        cli_error("--bias %s: shape (%d, %d): a bias is one value per output channel, shape (O,)",
                  arg, k.h, k.w);
        convtool_kernel_free(&k);
        return EXIT_USAGE;
    }
    o->biases = k.values; /* the row's values are the list */
    o->bias_count = k.w;
    o->bias = k.values[0];
    return EXIT_OK;
}

int apply_parse_bias(const char *arg, struct apply_options *o)
{
    const char *why = NULL;
    free(o->biases);
    o->biases = NULL;
    o->bias_text = arg;
    o->bias_count = 1;
    if (looks_npy(arg))
        return bias_from_npy(arg, o);
    if (!strchr(arg, ','))
        return parse_double_finite(arg, &o->bias, &why) == 0 ? EXIT_OK
               : (cli_error("--bias '%s': %s", arg, why), EXIT_USAGE);
    size_t n = 1;
    for (const char *p = arg; *p; p++)
        n += *p == ',';
    if (n > MAX_BIASES) {
        cli_error("--bias: %zu values, more than %d", n, MAX_BIASES);
        return EXIT_USAGE;
    }
    o->biases = malloc(n * sizeof *o->biases);
    char *copy = strdup(arg);
    if (!o->biases || !copy) {
        free(copy);
        cli_error("--bias: %s", convtool_strerror(CONVTOOL_ENOMEM));
        return EXIT_RUNTIME;
    }
    char *save = NULL, *tok = copy;
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && rc == EXIT_OK; i++, tok = NULL) {
        char *item = strtok_r(tok, ",", &save);
        double v;
        if (!item || parse_double_finite(item, &v, &why) != 0) {
            cli_error("--bias '%s': value %zu %s", arg, i + 1,
                      item ? why : "is missing (write numbers with commas between)");
            rc = EXIT_USAGE;
        } else {
            o->biases[i] = (float)v;
        }
    }
    free(copy);
    o->bias_count = (int)n;
    if (rc == EXIT_OK) /* after an error biases[0] may never have been written */
        o->bias = o->biases[0];
    return rc;
}

int apply_check_bias(const struct apply_options *o, const char *input, int outputs,
                     const char *what)
{
    if (o->bias_count <= 1 || o->bias_count == outputs)
        return EXIT_OK;
    cli_error("%s: --bias has %d values but %s %d output channel%s (give %d values, or one "
              "for all)",
              input, o->bias_count, what, outputs, outputs == 1 ? "" : "s", outputs);
    return EXIT_USAGE;
}

float apply_bias_of(const struct apply_options *o, int c)
{
    return o->biases ? o->biases[c] : (float)o->bias;
}
