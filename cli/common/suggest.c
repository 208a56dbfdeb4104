/*
 * Near-miss suggestions: a mistyped kernel name, command or option gets the
 * nearest real one, so the user fixes it without opening the help.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "common/messages.h"
#include "common/suggest.h"

#define WORD_MAX 64
#define FAR 1000

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Case does not count: "Sobel" is a near miss of "sobel", not a different word. */
static int same(char a, char b)
{
    /* ASCII only: names and options are ASCII, and tolower() would follow the locale. */
    char la = a >= 'A' && a <= 'Z' ? (char)(a - 'A' + 'a') : a;
    char lb = b >= 'A' && b <= 'Z' ? (char)(b - 'A' + 'a') : b;
    return la == lb;
}

/* Optimal string alignment: insert, delete, replace, swap of neighbours ("shrapen"). */
int suggest_distance(const char *a, const char *b, size_t lb)
{
    size_t la = strlen(a);
    if (la > WORD_MAX || lb > WORD_MAX)
        return FAR;
    int d[WORD_MAX + 1][WORD_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = !same(a[i - 1], b[j - 1]);
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
                d[i][j] = d[i][j] < d[i - 2][j - 2] + 1 ? d[i][j] : d[i - 2][j - 2] + 1;
        }
    return d[la][lb];
}

/* Short words have few neighbours that mean anything: "ab" is 2 edits from "abs" and "map". */
static int limit(const char *word)
{
    return strlen(word) <= 4 ? 1 : 2;
}

void suggestion_init(struct suggestion *s, const char *word, size_t len)
{
    if (len >= sizeof s->word)
        len = sizeof s->word - 1;
    memcpy(s->word, word, len);
    s->word[len] = '\0';
    s->best = limit(s->word) + 1;
    s->name[0] = '\0';
}

void suggestion_offer(struct suggestion *s, const char *candidate, size_t len)
{
    if (len >= sizeof s->name || (strlen(s->word) == len && memcmp(s->word, candidate, len) == 0))
        return; /* the word itself is no suggestion */
    int d = suggest_distance(s->word, candidate, len);
    if (d >= s->best)
        return;
    s->best = d;
    memcpy(s->name, candidate, len);
    s->name[len] = '\0';
}

/* The kernel name a --kernels-dir file gives: without .txt, .mat or .npy. */
static size_t kernel_file_stem(const char *file)
{
    static const char *const suffixes[] = {".txt", ".mat", ".npy"};
    size_t len = strlen(file);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && strcmp(file + len - n, suffixes[i]) == 0)
            return len - n;
    }
    return len;
}

const char *suggest_kernel_name(const char *name, const char *kernels_dir, struct suggestion *s)
{
    suggestion_init(s, name, strlen(name));
    DIR *dir = kernels_dir ? opendir(kernels_dir) : NULL;
    for (struct dirent *e; dir && (e = readdir(dir)) != NULL;)
        if (e->d_name[0] != '.')
            suggestion_offer(s, e->d_name, kernel_file_stem(e->d_name));
    if (dir)
        closedir(dir);
    for (size_t i = 0; i < convtool_builtin_count(); i++)
        suggestion_offer(s, convtool_builtin_name(i), strlen(convtool_builtin_name(i)));
    return s->name[0] ? s->name : NULL;
}

const char *suggest_long_option(const char *arg, const struct option *opts, struct suggestion *s)
{
    if (!arg || strncmp(arg, "--", 2) != 0 || !arg[2])
        return NULL;
    const char *word = arg + 2;
    suggestion_init(s, word, strcspn(word, "="));
    for (const struct option *o = opts; o->name; o++)
        suggestion_offer(s, o->name, strlen(o->name));
    return s->name[0] ? s->name : NULL;
}

/* The argv word getopt is in, when it is `-explain` for --explain (ImageMagick's one dash). */
static const char *one_dash_long(char **argv, const struct option *opts)
{
    const char *word = optind > 0 ? argv[optind - 1] : NULL;
    if (optopt == 0 || !word || word[0] != '-' || word[1] == '-' || word[1] != optopt)
        word = argv[optind]; /* in a cluster getopt has not moved optind yet */
    if (!word || word[0] != '-' || word[1] == '-' || !word[1] || !word[2])
        return NULL;
    size_t len = strcspn(word + 1, "=");
    for (; opts->name; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, word + 1, len) == 0)
            return word;
    return NULL;
}

void suggest_unknown_option(const char *cmd, char **argv, const struct option *opts)
{
    struct suggestion s;
    const char *dashed = one_dash_long(argv, opts);
    if (dashed) {
        cli_error("%s: '%s': long options take two dashes: -%s", cmd, dashed, dashed);
        return;
    }
    const char *given = cli_unknown_option(argv);
    const char *near = suggest_long_option(given, opts, &s);
    if (near)
        cli_error("%s: unknown option '%s'; did you mean --%s? (see 'convtool %s --help')", cmd,
                  given, near, cmd);
    else
        cli_error("%s: unknown option '%s' (see 'convtool %s --help')", cmd, given, cmd);
}
