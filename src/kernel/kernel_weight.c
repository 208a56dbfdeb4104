/*
 * The front door for anything -k may name, weights included: a rank-4 array
 * (a .npy or nested lists) becomes a channel-mixing weight; everything else
 * goes to the bank readers of kernel_load.c.
 */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"

#define MAX_FILE_BYTES ((size_t)64 * 1024 * 1024) /* a weight .npy may be larger than a kernel */

static convtool_status weight_from_array(const struct kernel_array *a, convtool_weight *wt)
{
    convtool_status st = convtool_weight_alloc(wt, a->shape[0], a->shape[1], a->shape[2],
                                               a->shape[3]);
    if (st == CONVTOOL_OK)
        memcpy(wt->values, a->values,
               (size_t)a->shape[0] * a->shape[1] * a->shape[2] * a->shape[3] *
                   sizeof *wt->values);
    return st;
}

/* The rank-4 array the bytes hold, or rank 0 (then the bank readers decide). */
static convtool_status read_rank4(const char *text, size_t len, convtool_kernel_format format,
                                  struct kernel_array *a, convtool_parse_error *err)
{
    memset(a, 0, sizeof *a);
    convtool_status st = CONVTOOL_OK;
    if (format == CONVTOOL_KERNEL_FORMAT_NPY)
        st = kernel_npy_array((const unsigned char *)text, len, a, err);
    else if (format == CONVTOOL_KERNEL_FORMAT_CONVTOOL && kernel_text_is_array(text, len))
        st = kernel_read_array(text, len, a, err);
    if (st != CONVTOOL_OK || a->rank != 4)
        kernel_array_free(a);
    return st;
}

convtool_status convtool_kernel_spec_parse(const void *data, size_t len, const char *name,
                                           convtool_kernel_format format,
                                           convtool_kernel_spec *spec, convtool_parse_error *err)
{
    const char *text = data ? data : "";
    struct kernel_array a;
    if (!spec || (!data && len > 0))
        return CONVTOOL_EINVAL;
    memset(spec, 0, sizeof *spec);
    if (err)
        memset(err, 0, sizeof *err);
    kernel_copy_name(spec->name, sizeof spec->name, name ? name : "");
    if (format == CONVTOOL_KERNEL_FORMAT_AUTO)
        format = convtool_kernel_format_sniff(text, len);
    convtool_status st = read_rank4(text, len, format, &a, err);
    if (st != CONVTOOL_OK)
        return st;
    if (a.rank != 4)
        return convtool_kernel_bank_parse(text, len, name, format, &spec->bank, err);
    spec->is_weight = 1;
    st = weight_from_array(&a, &spec->weight);
    kernel_array_free(&a);
    if (st != CONVTOOL_OK)
        convtool_kernel_spec_free(spec);
    return st;
}

convtool_status convtool_kernel_spec_load_file(const char *path, convtool_kernel_spec *spec,
                                               convtool_parse_error *err)
{
    char stem[CONVTOOL_NAME_MAX];
    convtool_buffer b = {0};
    if (!spec)
        return CONVTOOL_EINVAL;
    memset(spec, 0, sizeof *spec);
    if (err)
        memset(err, 0, sizeof *err);
    if (!path)
        return CONVTOOL_EINVAL;
    convtool_status st = convtool_read_file(path, MAX_FILE_BYTES, &b);
    if (st != CONVTOOL_OK)
        return st;
    kernel_stem(path, stem, sizeof stem);
    st = convtool_kernel_spec_parse(b.data ? (const char *)b.data : "", b.len, stem,
                                    convtool_kernel_format_from_path(path), spec, err);
    convtool_buffer_free(&b);
    return st;
}

void convtool_kernel_spec_free(convtool_kernel_spec *spec)
{
    if (!spec)
        return;
    convtool_kernel_bank_free(&spec->bank);
    convtool_weight_free(&spec->weight);
    memset(spec, 0, sizeof *spec);
}
