/* The named kernels: the .txt files of kernels/, embedded at build time and parsed on demand. */
#include <stddef.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_builtin.h"

/* ASCII-only folding: kernel names must not depend on the user's locale. */
static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

size_t convtool_builtin_count(void)
{
    return builtin_kernel_source_count;
}

const char *convtool_builtin_name(size_t index)
{
    if (index >= builtin_kernel_source_count)
        return NULL;
    return builtin_kernel_sources[index].name;
}

convtool_status convtool_builtin_kernel(const char *name, convtool_kernel *k)
{
    if (!k)
        return CONVTOOL_EINVAL;
    memset(k, 0, sizeof *k);
    if (!name)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < builtin_kernel_source_count; i++) {
        const struct builtin_kernel_source *src = &builtin_kernel_sources[i];
        if (same_name(name, src->name))
            return convtool_kernel_parse(src->text, src->len, src->name, k, NULL);
    }
    return CONVTOOL_ENOENT;
}
