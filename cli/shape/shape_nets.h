/* The nets/ presets as compiled into the program (see cmake/embed_kernels.cmake). */
#ifndef CONVTOOL_CLI_SHAPE_NETS_H
#define CONVTOOL_CLI_SHAPE_NETS_H

struct builtin_net_source {
    const char *name; /* the file's stem: resnet18 */
    const char *text; /* the file's bytes, NUL-terminated */
    unsigned len;     /* bytes, without the NUL */
};

extern const struct builtin_net_source builtin_net_sources[];
extern const unsigned builtin_net_source_count;

#endif
