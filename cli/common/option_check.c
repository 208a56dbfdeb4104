/* Repeated single-valued options and file names read as options (option_check.h). */
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/messages.h"
#include "common/option_check.h"

/* The argv word that held the value: the next word, or the option's own (`-s2`, `--stride=2`). */
static const char *value_word(const char *value, char **argv)
{
    return argv[optind - 1] == value ? NULL : argv[optind - 1];
}

/* "-o" from "-odd-name.png", "--stride" from "--stride=2" or the separate word before the value. */
static void option_spelling(const char *value, char **argv, char *out, size_t cap)
{
    const char *word = value_word(value, argv);
    size_t len;
    if (!word) {
        word = optind >= 2 ? argv[optind - 2] : "?";
        len = strlen(word);
    } else if (word[1] == '-') {
        len = strcspn(word, "=");
    } else {
        len = 2; /* a short option: its letter; the value starts right after */
    }
    if (len >= cap)
        len = cap - 1;
    memcpy(out, word, len);
    out[len] = '\0';
}

/* A short option with its value glued on: `-sharp.png`, not `--stride=2` or `-s 2`. */
static const char *glued_short_word(const char *value, char **argv)
{
    const char *word = value_word(value, argv);
    return word && word[0] == '-' && word[1] != '-' && value == word + 2 ? word : NULL;
}

int option_looks_like_image(const char *value)
{
    static const char *const exts[] = {".png", ".jpg", ".jpeg", ".npy", ".bmp", ".tga", ".hdr"};
    size_t len = strlen(value);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t n = strlen(exts[i]);
        if (len > n && strcasecmp(value + len - n, exts[i]) == 0)
            return 1;
    }
    return 0;
}

void option_hint_dash_file(const char *value, char **argv)
{
    const char *word = glued_short_word(value, argv);
    if (word)
        cli_error("'%s' read as option %.2s with value '%s'; a file name starting with '-'? "
                  "put -- before the file names or write ./%s",
                  word, word, value, word);
}

static int seen_before(struct option_history *h, int opt, const char **before)
{
    for (int i = 0; i < h->count; i++) {
        if (h->codes[i] == opt) {
            *before = h->values[i];
            return 1;
        }
    }
    return 0;
}

/* `-stride` for --stride: getopt read it as -s with the value "tride". */
static int single_dash_long(const struct option *longs, const char *word)
{
    size_t len = strcspn(word + 1, "=");
    for (; longs && longs->name; longs++)
        if (strlen(longs->name) == len && strncmp(longs->name, word + 1, len) == 0)
            return 1;
    return 0;
}

int option_check_value(struct option_history *h, int opt, char **argv)
{
    const char *value = optarg, *before = NULL;
    char name[64];
    option_spelling(value, argv, name, sizeof name);
    const char *glued = glued_short_word(value, argv);
    if (glued && single_dash_long(h->longs, glued)) {
        cli_error("'%s': long options take two dashes: -%s", glued, glued);
        return EXIT_USAGE;
    }
    /* `-odd-name.png`, or `-fpng` when a file of that name exists: a glob's file name. */
    if (glued && (option_looks_like_image(value) || access(glued, F_OK) == 0)) {
        cli_error("%s '%s': looks like a file name, not a value", name, value);
        option_hint_dash_file(value, argv);
        return EXIT_USAGE;
    }
    if (seen_before(h, opt, &before)) {
        if (strcmp(before, value) == 0)
            return EXIT_OK; /* the same value twice changes nothing */
        cli_error("%s given twice, as '%s' and as '%s'; it takes one value", name, before,
                  value);
        option_hint_dash_file(value, argv);
        return EXIT_USAGE;
    }
    if (h->count < OPTION_CHECK_MAX) {
        h->codes[h->count] = opt;
        h->values[h->count++] = value;
    }
    return EXIT_OK;
}
