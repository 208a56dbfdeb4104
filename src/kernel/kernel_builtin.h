/* The kernels/ files as compiled into the library (see cmake/embed_kernels.cmake). */
#ifndef CONVTOOL_KERNEL_BUILTIN_H
#define CONVTOOL_KERNEL_BUILTIN_H

struct builtin_kernel_source {
    const char *name; /* the file's stem */
    const char *text; /* the file's bytes, NUL-terminated */
    unsigned len;     /* bytes, without the NUL */
};

extern const struct builtin_kernel_source builtin_kernel_sources[];
extern const unsigned builtin_kernel_source_count;

#endif
