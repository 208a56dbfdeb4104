/*
 * Names inside the kernel folder: bounded copies and the one ASCII case-fold
 * (a worker: only other files of src/kernel call these; kernel_internal.h).
 */
#include <string.h>

#include "kernel/kernel_internal.h"

void kernel_copy_name(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ASCII-only folding: names must not depend on the user's locale. */
int kernel_ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int kernel_same_word(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (kernel_ascii_lower((unsigned char)*a) != kernel_ascii_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}
