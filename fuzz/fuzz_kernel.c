/*
 * Fuzz target: the kernel parsers. Each input is read as one kernel
 * (convtool_kernel_parse: kernel files and inline -k matrices), as a bank by
 * content (convtool text, ImageMagick "WxH:", .npy) and as a libvips matrix;
 * every kernel parsed goes through what `apply` and `kernels show` do with it
 * (copy, scale, flip, normalize, range, the printed values), and a bank
 * written back in the convtool format must parse to the same shapes.
 */
#include <math.h>
#include <string.h>

#include "convtool/convtool.h"
#include "fuzz_common.h"

static void check_parse_error(const convtool_parse_error *err)
{
    FUZZ_CHECK(err->line >= 0 && err->column >= 0); /* line 0: a .npy kernel has no lines */
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    FUZZ_CHECK(err->message[0] != '\0');
}

static void check_kernel(const convtool_kernel *k)
{
    FUZZ_CHECK(k->h >= 1 && k->h <= CONVTOOL_KERNEL_MAX_SIDE);
    FUZZ_CHECK(k->w >= 1 && k->w <= CONVTOOL_KERNEL_MAX_SIDE);
    FUZZ_CHECK(k->values != NULL);
    for (int i = 0; i < k->h * k->w; i++)
        FUZZ_CHECK(isfinite(k->values[i]));
    FUZZ_CHECK(isfinite(k->scale) && isfinite(k->offset));
    FUZZ_CHECK(memchr(k->name, '\0', sizeof k->name) != NULL && k->name[0] != '\0');
    FUZZ_CHECK(memchr(k->description, '\0', sizeof k->description) != NULL);
}

/* Flipping twice is the identity, bit for bit. */
static void check_flip(const convtool_kernel *k)
{
    convtool_kernel copy;
    if (convtool_kernel_copy(k, &copy) != CONVTOOL_OK)
        return;
    FUZZ_CHECK(copy.h == k->h && copy.w == k->w);
    convtool_kernel_flip(&copy);
    FUZZ_CHECK(copy.values[0] == k->values[(size_t)k->h * k->w - 1]);
    convtool_kernel_flip(&copy);
    FUZZ_CHECK(memcmp(copy.values, k->values, (size_t)k->h * k->w * sizeof(float)) == 0);
    convtool_kernel_free(&copy);
    FUZZ_CHECK(copy.values == NULL);
    convtool_kernel_free(&copy); /* NULL-safe, twice */
}

/* What `kernels show` and `apply --show-kernel` print. */
static void format_values(const convtool_kernel *k)
{
    char line[64];
    for (int i = 0; i < k->h * k->w; i++)
        snprintf(line, sizeof line, " %10.6g", k->values[i] * k->scale);
    double lo, hi;
    convtool_kernel_range(k, &lo, &hi);
    FUZZ_CHECK(!(lo > 0.0) && !(hi < 0.0));
    snprintf(line, sizeof line, "sum %g [%g, %g]", convtool_kernel_sum(k), lo, hi);
}

/* What `apply` does: the file's scale, --flip, --normalize, --scale. */
static void prepare(const convtool_kernel *k)
{
    convtool_kernel p;
    if (convtool_kernel_copy(k, &p) != CONVTOOL_OK)
        return;
    if (p.scale != 1.0)
        convtool_kernel_scale(&p, p.scale);
    convtool_kernel_flip(&p);
    convtool_status st = convtool_kernel_normalize(&p);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_EZEROSUM);
    convtool_kernel_scale(&p, 0.5);
    format_values(&p);
    convtool_kernel_free(&p);
}

static void exercise(const convtool_kernel *k)
{
    check_kernel(k);
    check_flip(k);
    format_values(k);
    prepare(k);
}

/* The bank written in the convtool text format reads back with the same shapes. */
static void check_rewrite(const convtool_kernel_bank *bank)
{
    convtool_buffer text = {0};
    convtool_kernel_bank again = {0};
    convtool_parse_error err;
    if (convtool_kernel_bank_write(bank, CONVTOOL_KERNEL_FORMAT_CONVTOOL, &text) != CONVTOOL_OK)
        goto cleanup;
    convtool_status st = convtool_kernel_bank_parse(text.data, text.len, "again",
                                                    CONVTOOL_KERNEL_FORMAT_CONVTOOL, &again, &err);
    if (st != CONVTOOL_OK)
        fprintf(stderr, "rewritten bank: %s at %d:%d: %s\n%.*s\n", convtool_strerror(st), err.line,
                err.column, st == CONVTOOL_EPARSE ? err.message : "", (int)text.len,
                (const char *)text.data);
    FUZZ_CHECK(st == CONVTOOL_OK || st == CONVTOOL_ENOMEM);
    if (st != CONVTOOL_OK)
        goto cleanup;
    FUZZ_CHECK(again.count == bank->count);
    for (size_t i = 0; i < bank->count; i++)
        FUZZ_CHECK(again.kernels[i].h == bank->kernels[i].h &&
                   again.kernels[i].w == bank->kernels[i].w);
cleanup:
    convtool_buffer_free(&text);
    convtool_kernel_bank_free(&again);
}

static void parse_bank(const uint8_t *data, size_t size, convtool_kernel_format format)
{
    convtool_kernel_bank bank;
    convtool_parse_error err;
    memset(&err, 0xA5, sizeof err);
    convtool_status st = convtool_kernel_bank_parse(data, size, "fuzz", format, &bank, &err);
    if (st == CONVTOOL_EPARSE)
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) && err.message[0] != '\0');
    if (st != CONVTOOL_OK)
        return;
    FUZZ_CHECK(bank.count >= 1 && bank.count <= CONVTOOL_BANK_MAX);
    for (size_t i = 0; i < bank.count; i++)
        exercise(&bank.kernels[i]);
    check_rewrite(&bank);
    convtool_kernel_bank_free(&bank);
    FUZZ_CHECK(bank.kernels == NULL && bank.count == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    convtool_kernel k;
    convtool_parse_error err;
    memset(&err, 0xA5, sizeof err); /* an error left unfilled is caught below */
    convtool_status st = convtool_kernel_parse((const char *)data, size, "fuzz", &k, &err);
    if (st == CONVTOOL_EPARSE)
        check_parse_error(&err);
    if (st == CONVTOOL_OK) {
        exercise(&k);
        convtool_kernel_free(&k);
    }
    parse_bank(data, size, CONVTOOL_KERNEL_FORMAT_AUTO);
    parse_bank(data, size, CONVTOOL_KERNEL_FORMAT_VIPS);
    return 0;
}
