/*
 * Shell words for suggested commands: a message that says "mkdir -p out" or
 * "-k 'my kernel.txt'" should work when pasted, also for odd names.
 */
#include <string.h>

#include "common/shell_word.h"

static int safe(const char *text)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_./,:=+@%-";
    return text[0] != '\0' && strspn(text, ok) == strlen(text);
}

static size_t put(char *buf, size_t cap, size_t at, const char *piece)
{
    size_t n = strlen(piece);
    if (at + n + 1 > cap)
        return at;
    memcpy(buf + at, piece, n + 1);
    return at + n;
}

const char *shell_word(const char *text, char *buf, size_t cap)
{
    if (safe(text) || cap < 3)
        return text;
    size_t at = put(buf, cap, 0, "'");
    for (const char *p = text; *p && at + 5 < cap; p++) {
        char one[2] = {*p, '\0'};
        at = put(buf, cap, at, *p == '\'' ? "'\\''" : one);
    }
    put(buf, cap, at, "'");
    return buf;
}
