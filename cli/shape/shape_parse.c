/* The layer syntax of `shape --layers/--net`: statements, repeat blocks, comments. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shape/shape_layers.h"
#include "shape/shape_words.h"

#define MAX_DEPTH 16

enum token_type { TOK_WORD, TOK_SEP, TOK_OPEN, TOK_CLOSE, TOK_END };

struct token {
    enum token_type type;
    struct word word; /* the text and position of any token */
};

struct parser {
    const char *p;
    int line, col;
    struct layer_list *list;
    char *description;
    size_t description_size;
    struct layer_parse_error *err;
};

static int fail_at(struct parser *ps, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct parser *ps, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
    ps->err->line = line;
    ps->err->column = col;
    return -1;
}

static void advance(struct parser *ps, size_t n)
{
    for (; n > 0 && *ps->p; n--, ps->p++) {
        if (*ps->p == '\n') {
            ps->line++;
            ps->col = 1;
        } else {
            ps->col++;
        }
    }
}

static void skip_blanks(struct parser *ps)
{
    for (;;) {
        if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
            advance(ps, 1);
        else if (*ps->p == '#')
            advance(ps, strcspn(ps->p, "\n"));
        else
            return;
    }
}

static void next_token(struct parser *ps, struct token *t)
{
    skip_blanks(ps);
    t->word = (struct word){.text = ps->p, .len = 1, .line = ps->line, .column = ps->col};
    switch (*ps->p) {
    case '\0':
        t->type = TOK_END;
        t->word.len = 0;
        return;
    case ';':
    case '\n':
        t->type = TOK_SEP;
        break;
    case '{':
        t->type = TOK_OPEN;
        break;
    case '}':
        t->type = TOK_CLOSE;
        break;
    default:
        t->type = TOK_WORD;
        t->word.len = strcspn(ps->p, " \t\r\n;{}#");
    }
    advance(ps, t->word.len);
}

/* "description: TEXT" takes the rest of its line, ';' and '#' included. */
static int is_description(const struct token *t)
{
    return t->type == TOK_WORD && t->word.len >= 12 &&
           strncasecmp(t->word.text, "description:", 12) == 0;
}

static void read_description(struct parser *ps, const struct token *t)
{
    const char *start = t->word.text + 12;
    size_t len = strcspn(start, "\n");
    while (len > 0 && (*start == ' ' || *start == '\t'))
        start++, len--;
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\r'))
        len--;
    if (ps->description && ps->description_size > 0)
        snprintf(ps->description, ps->description_size, "%.*s", (int)len, start);
    advance(ps, (size_t)(start + strcspn(start, "\n") - ps->p));
}

static int add_layer(struct parser *ps, const struct word *words, int n)
{
    struct layer l;
    int bad = 0;
    char why[160];
    if (layer_from_words(words, n, &l, &bad, why, sizeof why) != 0)
        return fail_at(ps, words[bad].line, words[bad].column, "%s", why);
    if (ps->list->count == LAYER_LIST_MAX)
        return fail_at(ps, words[0].line, words[0].column, "more than %d layers", LAYER_LIST_MAX);
    if (ps->list->count == ps->list->cap) {
        int cap = ps->list->cap ? ps->list->cap * 2 : 32;
        struct layer *grown = realloc(ps->list->items, (size_t)cap * sizeof *grown);
        if (!grown)
            return fail_at(ps, words[0].line, words[0].column, "out of memory");
        ps->list->items = grown;
        ps->list->cap = cap;
    }
    ps->list->items[ps->list->count++] = l;
    return 0;
}

/* Copies the layers from `start` on n - 1 more times. */
static int expand_repeat(struct parser *ps, const struct token *at, int start, int n)
{
    struct layer_list *list = ps->list;
    int body = list->count - start;
    if (body == 0 || n == 1)
        return 0;
    if ((long)body * n > LAYER_LIST_MAX - start)
        return fail_at(ps, at->word.line, at->word.column,
                       "repeat %d of %d layers: more than %d layers in all", n, body,
                       LAYER_LIST_MAX);
    int need = start + body * n;
    struct layer *grown = realloc(list->items, (size_t)need * sizeof *grown);
    if (!grown)
        return fail_at(ps, at->word.line, at->word.column, "out of memory");
    list->items = grown;
    list->cap = need;
    for (int i = 1; i < n; i++)
        memcpy(&list->items[start + i * body], &list->items[start], (size_t)body * sizeof *grown);
    list->count = need;
    return 0;
}

static int parse_block(struct parser *ps, int depth, const struct token *opened);

/* "repeat N {": the words are read, the '{' is the current token. */
static int parse_repeat(struct parser *ps, const struct word *words, int n, int depth,
                        const struct token *open)
{
    int times;
    char why[120];
    if (n != 2 || word_int(&words[1], 1, LAYER_LIST_MAX, &times, why, sizeof why) != 0)
        return fail_at(ps, words[0].line, words[0].column,
                       "expected 'repeat N {' with N from 1 to %d", LAYER_LIST_MAX);
    if (depth == MAX_DEPTH)
        return fail_at(ps, words[0].line, words[0].column, "repeats nested deeper than %d",
                       MAX_DEPTH);
    int start = ps->list->count;
    if (parse_block(ps, depth + 1, open) != 0)
        return -1;
    return expand_repeat(ps, open, start, times);
}

/* One statement: the words up to a separator, a brace or the end. */
static int parse_statement(struct parser *ps, int depth, struct token *t)
{
    struct word words[LAYER_WORDS_MAX];
    int n = 0;
    for (; t->type == TOK_WORD; next_token(ps, t)) {
        if (n == LAYER_WORDS_MAX)
            return fail_at(ps, t->word.line, t->word.column, "more than %d words in a layer",
                           LAYER_WORDS_MAX);
        words[n++] = t->word;
    }
    int is_repeat = n > 0 && word_is(&words[0], "repeat");
    if (t->type == TOK_OPEN && !is_repeat)
        return fail_at(ps, t->word.line, t->word.column, "'{' must follow 'repeat N'");
    if (is_repeat && t->type != TOK_OPEN)
        return fail_at(ps, words[0].line, words[0].column, "expected '{' after 'repeat N'");
    if (is_repeat) {
        struct token open = *t;
        if (parse_repeat(ps, words, n, depth, &open) != 0)
            return -1;
        next_token(ps, t);
        return 0;
    }
    return n > 0 ? add_layer(ps, words, n) : 0;
}

/* Statements until the end (depth 0) or the '}' that closes `opened`. */
static int parse_block(struct parser *ps, int depth, const struct token *opened)
{
    struct token t;
    next_token(ps, &t);
    for (;;) {
        if (is_description(&t)) {
            read_description(ps, &t);
            next_token(ps, &t);
            continue;
        }
        if (parse_statement(ps, depth, &t) != 0)
            return -1;
        if (t.type == TOK_SEP) {
            next_token(ps, &t);
        } else if (t.type == TOK_CLOSE) {
            if (depth == 0)
                return fail_at(ps, t.word.line, t.word.column, "'}' without 'repeat N {'");
            return 0;
        } else if (t.type == TOK_END) {
            if (depth > 0)
                return fail_at(ps, opened->word.line, opened->word.column,
                               "this '{' is never closed");
            return 0;
        }
    }
}

int layers_parse(const char *text, struct layer_list *list, char *description,
                 size_t description_size, struct layer_parse_error *err)
{
    struct parser ps = {.p = text,
                        .line = 1,
                        .col = 1,
                        .list = list,
                        .description = description,
                        .description_size = description_size,
                        .err = err};
    return parse_block(&ps, 0, NULL);
}

void layer_list_free(struct layer_list *list)
{
    free(list->items);
    *list = (struct layer_list){0};
}
