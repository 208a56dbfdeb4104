/* Where layers come from: --layers TEXT, --net FILE, or a built-in preset (nets/NAME.net). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/messages.h"
#include "shape/shape_layers.h"
#include "shape/shape_nets.h"

#define NET_FILE_MAX (1u << 20)

/* As for -k: a '/' or an extension makes a file; anything else is a preset name. */
static int looks_like_file(const char *s)
{
    const char *dot = strrchr(s, '.');
    return strchr(s, '/') != NULL || (dot && dot != s && dot[1] != '\0');
}

static const struct builtin_net_source *find_preset(const char *name)
{
    for (unsigned i = 0; i < builtin_net_source_count; i++)
        if (strcasecmp(builtin_net_sources[i].name, name) == 0)
            return &builtin_net_sources[i];
    return NULL;
}

static void preset_names(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < builtin_net_source_count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                                 builtin_net_sources[i].name);
}

static int parse_source(const char *origin, const char *text, struct layer_list *list,
                        char *description, size_t description_size)
{
    struct layer_parse_error err;
    if (layers_parse(text, list, description, description_size, &err) == 0)
        return EXIT_OK;
    cli_error("%s:%d:%d: %s", origin, err.line, err.column, err.message);
    return EXIT_RUNTIME;
}

/* A net file, NUL-terminated for the parser; a NUL inside is refused. */
static int load_file(const char *path, struct layer_list *list, char *description,
                     size_t description_size)
{
    convtool_buffer buf = {0};
    convtool_status st = convtool_read_file(path, NET_FILE_MAX, &buf);
    if (st == CONVTOOL_OK)
        st = convtool_buffer_append(&buf, "", 1);
    int rc = EXIT_RUNTIME;
    if (st == CONVTOOL_ENOENT)
        cli_error("--net %s: no such file", path);
    else if (st == CONVTOOL_EIO)
        cli_error("--net %s: cannot read: %s", path, strerror(errno));
    else if (st != CONVTOOL_OK)
        cli_error("--net %s: %s", path, convtool_strerror(st));
    else if (strlen((const char *)buf.data) != buf.len - 1)
        cli_error("--net %s: not a text file (it contains a NUL byte)", path);
    else {
        const char *text = (const char *)buf.data;
        if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
            text += 3; /* a UTF-8 byte order mark */
        rc = parse_source(path, text, list, description, description_size);
    }
    convtool_buffer_free(&buf);
    return rc;
}

int net_load(const char *spec, struct layer_list *list, char *description, size_t description_size)
{
    if (looks_like_file(spec))
        return load_file(spec, list, description, description_size);
    const struct builtin_net_source *preset = find_preset(spec);
    if (!preset) {
        char names[256];
        preset_names(names, sizeof names);
        cli_error("--net '%s': no such preset (%s; see --list-nets); a file needs a '/' or "
                  "an extension: ./%s",
                  spec, names, spec);
        return EXIT_USAGE;
    }
    return parse_source(preset->name, preset->text, list, description, description_size);
}

int net_add_inline(const char *text, struct layer_list *list)
{
    struct layer_parse_error err;
    if (layers_parse(text, list, NULL, 0, &err) == 0)
        return EXIT_OK;
    if (strchr(text, '\n'))
        cli_error("--layers: line %d, column %d: %s", err.line, err.column, err.message);
    else
        cli_error("--layers: column %d: %s", err.column, err.message);
    return EXIT_USAGE;
}

void net_print_presets(void)
{
    for (unsigned i = 0; i < builtin_net_source_count; i++) {
        struct layer_list list = {0};
        struct layer_parse_error err;
        char description[160] = "";
        layers_parse(builtin_net_sources[i].text, &list, description, sizeof description, &err);
        printf("%-10s %3d layers  %s\n", builtin_net_sources[i].name, list.count, description);
        layer_list_free(&list);
    }
}
