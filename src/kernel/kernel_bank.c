/*
 * Kernel banks: several kernels in one file with a default combine. This is
 * the container the readers append to (kernel_load.c picks the reader): it
 * adds, names and hands out members, and frees the whole bank.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"

convtool_status kernel_fail(convtool_parse_error *err, int line, int column, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->line = line;
        err->column = column;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return CONVTOOL_EPARSE;
}

convtool_status kernel_bank_add(convtool_kernel_bank *bank, convtool_kernel *k)
{
    if (bank->count >= CONVTOOL_BANK_MAX)
        return CONVTOOL_ELIMIT;
    convtool_kernel *grown = realloc(bank->kernels, (bank->count + 1) * sizeof *grown);
    if (!grown)
        return CONVTOOL_ENOMEM;
    bank->kernels = grown;
    bank->kernels[bank->count++] = *k;
    memset(k, 0, sizeof *k);
    return CONVTOOL_OK;
}

void kernel_bank_name_members(convtool_kernel_bank *bank)
{
    for (size_t i = 0; i < bank->count; i++) {
        convtool_kernel *k = &bank->kernels[i];
        if (k->name[0])
            continue;
        char name[CONVTOOL_NAME_MAX + 24];
        if (bank->count == 1)
            snprintf(name, sizeof name, "%s", bank->name);
        else
            snprintf(name, sizeof name, "%s_%zu", bank->name, i + 1);
        kernel_copy_name(k->name, sizeof k->name, name);
    }
}

void kernel_bank_take_first(convtool_kernel_bank *bank, const char *name, convtool_kernel *k)
{
    *k = bank->kernels[0];
    memset(&bank->kernels[0], 0, sizeof bank->kernels[0]);
    kernel_copy_name(k->name, sizeof k->name, name);
    if (!k->description[0])
        memcpy(k->description, bank->description, sizeof k->description);
}

void convtool_kernel_bank_free(convtool_kernel_bank *bank)
{
    if (!bank)
        return;
    for (size_t i = 0; i < bank->count; i++)
        convtool_kernel_free(&bank->kernels[i]);
    free(bank->kernels);
    memset(bank, 0, sizeof *bank);
}

/* Rank 1 is a row, 2 a kernel, 3 a bank of shape[0] kernels; each kernel a copy. */
convtool_status kernel_bank_from_array(const struct kernel_array *a, convtool_kernel_bank *bank,
                                       convtool_parse_error *err)
{
    /* torch prints a 1-in, 1-out weight as [[[[...]]]]: as a kernel that is what it means */
    if (a->rank == 4 && a->shape[0] * a->shape[1] != 1)
        return kernel_fail(err, 0, 0,
                           "a 4-D weight (%d, %d, %d, %d) mixes channels; it is no bank of "
                           "kernels that filter each channel on its own",
                           a->shape[0], a->shape[1], a->shape[2], a->shape[3]);
    int count = a->rank == 3 ? a->shape[0] : 1; /* rank 4 here is (1, 1, H, W) */
    int h = a->rank == 1 ? 1 : a->shape[a->rank - 2], w = a->shape[a->rank - 1];
    if (h > CONVTOOL_KERNEL_MAX_SIDE || w > CONVTOOL_KERNEL_MAX_SIDE)
        return kernel_fail(err, 0, 0, "a %dx%d kernel is over the %d limit", w, h,
                           CONVTOOL_KERNEL_MAX_SIDE);
    if (count > CONVTOOL_BANK_MAX)
        return kernel_fail(err, 0, 0, "%d kernels, more than the %d a bank may hold", count,
                           CONVTOOL_BANK_MAX);
    size_t taps = (size_t)h * (size_t)w;
    for (int i = 0; i < count; i++) {
        convtool_kernel k = {.h = h, .w = w, .scale = 1.0};
        k.values = malloc(taps * sizeof *k.values);
        if (!k.values)
            return CONVTOOL_ENOMEM;
        memcpy(k.values, a->values + (size_t)i * taps, taps * sizeof *k.values);
        convtool_status st = kernel_bank_add(bank, &k);
        convtool_kernel_free(&k);
        if (st != CONVTOOL_OK)
            return st;
    }
    return CONVTOOL_OK;
}
