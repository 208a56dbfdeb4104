/*
 * --name TEMPLATE: output names such as '{stem}_{kernel}.{ext}'. The
 * template is checked once before any input, so a typo is a usage error
 * and never a half-finished batch of oddly named files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/batch.h"
#include "common/messages.h"

#define FIELD_LIST "{stem} {name} {ext} {kernel} {index} {index:WIDTH} {dir}"
#define MAX_INDEX_WIDTH 20

enum field { F_STEM, F_NAME, F_EXT, F_KERNEL, F_INDEX, F_DIR, F_COUNT };

static const char *const field_names[F_COUNT] = {"stem", "name", "ext", "kernel", "index", "dir"};

/* A growing string; oom is sticky so callers check once at the end. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Parses "{field}" or "{index:W}" at s; *end is after the '}'. Returns the field or -1. */
static int parse_field(const char *s, const char **end, int *width)
{
    const char *close = strchr(s, '}');
    if (!close)
        return -1;
    size_t len = (size_t)(close - s - 1);
    const char *colon = memchr(s + 1, ':', len);
    size_t name_len = colon ? (size_t)(colon - s - 1) : len;
    *width = 0;
    *end = close + 1;
    for (int f = 0; f < F_COUNT; f++) {
        if (strlen(field_names[f]) != name_len || strncmp(s + 1, field_names[f], name_len))
            continue;
        if (!colon)
            return f;
        if (f != F_INDEX || colon + 1 == close || close - colon - 1 > 2)
            return -1;
        for (const char *d = colon + 1; d < close; d++) {
            if (*d < '0' || *d > '9')
                return -1;
            *width = *width * 10 + (*d - '0');
        }
        return *width <= MAX_INDEX_WIDTH ? f : -1;
    }
    return -1;
}

static int template_error(const char *tmpl, const char *what, int len, const char *at)
{
    cli_error("--name '%s': %s%.*s (fields: " FIELD_LIST "; {{ and }} for braces)", tmpl, what, len,
              at);
    return EXIT_USAGE;
}

int name_template_check(const char *tmpl, int separate_kernels)
{
    int has_kernel = 0, width;
    if (tmpl[0] == '\0' || tmpl[0] == '/')
        return template_error(tmpl, "the name must be relative to -o DIR and not empty", 0, "");
    for (const char *s = tmpl; *s;) {
        const char *end = s + 1;
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            end = s + 2;
        } else if (s[0] == '}') {
            return template_error(tmpl, "a '}' with no '{'", 0, "");
        } else if (s[0] == '{') {
            int f = parse_field(s, &end, &width);
            if (!strchr(s, '}'))
                return template_error(tmpl, "a '{' with no '}': ", (int)strlen(s), s);
            if (f < 0)
                return template_error(tmpl, "unknown field ", (int)(end - s), s);
            has_kernel |= f == F_KERNEL;
        }
        s = end;
    }
    if (separate_kernels > 1 && !has_kernel) {
        cli_error("--name '%s': %d kernels with --combine separate give %d outputs per input; "
                  "the name needs {kernel}",
                  tmpl, separate_kernels, separate_kernels);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Where the extension's dot is in a base name, or its end (".bashrc" has none). */
static size_t dot_at(const char *base)
{
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? (size_t)(dot - base) : strlen(base);
}

static void put_field(struct sbuf *b, int f, int width, const struct name_fields *nf)
{
    const char *base = base_of(nf->input);
    size_t dot = dot_at(base);
    char num[32];
    switch (f) {
    case F_STEM:
        put(b, base, dot);
        break;
    case F_NAME:
        put(b, base, strlen(base));
        break;
    case F_EXT:
        if (nf->ext)
            put(b, nf->ext, strlen(nf->ext));
        else if (base[dot])
            put(b, base + dot + 1, strlen(base + dot + 1));
        break;
    case F_KERNEL:
        put(b, nf->kernel, strlen(nf->kernel));
        break;
    case F_INDEX:
        snprintf(num, sizeof num, "%0*zu", width, nf->index);
        put(b, num, strlen(num));
        break;
    case F_DIR:
        put(b, nf->input, (size_t)(base - nf->input));
        break;
    }
}

/* Drops empty and "." components; refuses "..", which would leave DIR. */
static int normalize(const char *tmpl, const char *input, char *path)
{
    char *w = path;
    for (char *r = path; *r;) {
        size_t len = strcspn(r, "/");
        int dots = len == 2 && r[0] == '.' && r[1] == '.';
        if (dots) {
            cli_error("--name '%s': the name of %s has a '..' component and would leave -o DIR",
                      tmpl, input);
            return EXIT_USAGE;
        }
        if (len > 0 && !(len == 1 && r[0] == '.')) {
            if (w != path)
                *w++ = '/';
            memmove(w, r, len);
            w += len;
        }
        r += len + (r[len] == '/');
    }
    *w = '\0';
    if (w == path) {
        cli_error("--name '%s': gives an empty file name for %s", tmpl, input);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int name_template_expand(const char *tmpl, const struct name_fields *nf, char **out)
{
    struct sbuf b = {0};
    int width;
    put(&b, "", 0);
    for (const char *s = tmpl; *s;) {
        const char *end = s + 1;
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            put(&b, s, 1);
            end = s + 2;
        } else if (s[0] == '{') {
            int f = parse_field(s, &end, &width);
            put_field(&b, f, width, nf);
        } else {
            put(&b, s, 1);
        }
        s = end;
    }
    if (b.oom) {
        free(b.p);
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    int rc = normalize(tmpl, nf->input, b.p);
    if (rc != EXIT_OK) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    return EXIT_OK;
}
