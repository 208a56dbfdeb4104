/*
 * Internal: a cursor over kernel text with the line and column messages
 * need, and the ASCII character classes the kernel readers share (the text
 * parser, the bank split in kernel_load.c, kernel_formats.c and
 * kernel_imagemagick.c), so none depends on the user's locale.
 */
#ifndef CONVTOOL_TEXT_CURSOR_H
#define CONVTOOL_TEXT_CURSOR_H

#include <stddef.h>

#include "convtool/convtool.h"

/* A position in a text, for messages. */
struct text_cursor {
    const char *s;
    size_t len, pos;
    int line;
    size_t line_start;
    convtool_parse_error *err;
};

static inline int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Space within a line: a newline ends a row or a directive, so it is not blank. */
static inline int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline int column(const struct text_cursor *c, size_t at)
{
    return (int)(at - c->line_start) + 1;
}

static inline void skip_space(struct text_cursor *c)
{
    for (; c->pos < c->len && is_space((unsigned char)c->s[c->pos]); c->pos++)
        if (c->s[c->pos] == '\n') {
            c->line++;
            c->line_start = c->pos + 1;
        }
}

/* Digits at the cursor as an int up to `max`; 0 if there are none or it is larger. */
static inline int read_uint(struct text_cursor *c, int max, int *out)
{
    long v = 0;
    size_t start = c->pos;
    while (c->pos < c->len && is_digit(c->s[c->pos])) {
        if (v <= max)
            v = v * 10 + (c->s[c->pos] - '0');
        c->pos++;
    }
    *out = v > max ? max + 1 : (int)v;
    return c->pos > start;
}

#endif /* CONVTOOL_TEXT_CURSOR_H */
