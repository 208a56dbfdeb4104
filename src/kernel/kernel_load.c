/*
 * The front door of kernel reading: names the formats, tells them apart,
 * and hands each text or file to its reader (the text format's bank split,
 * ImageMagick, libvips, .npy), which appends to an empty bank. The
 * single-kernel API and the named kernels (the .txt files of kernels/,
 * embedded at build time and parsed on demand) are banks' first kernels.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_builtin.h"
#include "kernel/kernel_internal.h"
#include "kernel/text_cursor.h"

#define NPY_MAGIC "\x93NUMPY"

/* Kernel files larger than this are refused (they would be absurd kernels). */
#define MAX_FILE_BYTES ((size_t)16 * 1024 * 1024)

/* ---- format names and sniffing */

static const char *const format_names[] = {"auto", "convtool", "imagemagick", "vips", "npy"};

/* Other spellings people reach for: file extensions and tool names. */
static const struct {
    const char *alias;
    convtool_kernel_format format;
} format_aliases[] = {
    {"text", CONVTOOL_KERNEL_FORMAT_CONVTOOL},  {"txt", CONVTOOL_KERNEL_FORMAT_CONVTOOL},
    {"im", CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK}, {"magick", CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK},
    {"libvips", CONVTOOL_KERNEL_FORMAT_VIPS},   {"mat", CONVTOOL_KERNEL_FORMAT_VIPS},
    {"numpy", CONVTOOL_KERNEL_FORMAT_NPY},
};

convtool_status convtool_kernel_format_parse(const char *text, convtool_kernel_format *fmt)
{
    if (!text || !fmt)
        return CONVTOOL_EINVAL;
    for (int i = 1; i < (int)(sizeof format_names / sizeof format_names[0]); i++)
        if (kernel_same_word(text, format_names[i])) {
            *fmt = (convtool_kernel_format)i;
            return CONVTOOL_OK;
        }
    for (size_t i = 0; i < sizeof format_aliases / sizeof format_aliases[0]; i++)
        if (kernel_same_word(text, format_aliases[i].alias)) {
            *fmt = format_aliases[i].format;
            return CONVTOOL_OK;
        }
    return CONVTOOL_EINVAL;
}

const char *convtool_kernel_format_name(convtool_kernel_format fmt)
{
    if ((int)fmt < 0 || (int)fmt >= (int)(sizeof format_names / sizeof format_names[0]))
        return "unknown";
    return format_names[fmt];
}

convtool_kernel_format convtool_kernel_format_from_path(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    const char *dot = base ? strrchr(base, '.') : NULL;
    if (!dot || dot == base)
        return CONVTOOL_KERNEL_FORMAT_AUTO;
    if (kernel_same_word(dot, ".mat"))
        return CONVTOOL_KERNEL_FORMAT_VIPS;
    if (kernel_same_word(dot, ".npy"))
        return CONVTOOL_KERNEL_FORMAT_NPY;
    return CONVTOOL_KERNEL_FORMAT_AUTO;
}

convtool_kernel_format convtool_kernel_format_sniff(const void *data, size_t len)
{
    const char *s = data;
    if (s && len >= 6 && memcmp(s, NPY_MAGIC, 6) == 0)
        return CONVTOOL_KERNEL_FORMAT_NPY;
    if (s && kernel_looks_imagemagick(s, len))
        return CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK;
    return CONVTOOL_KERNEL_FORMAT_CONVTOOL;
}

/* ---- the text format's banks, and the dispatch to each format's reader */

/* A line of three or more '-', with blanks or a # comment around, separates a bank's kernels. */
static int is_separator(const char *s, size_t n)
{
    size_t i = 0, dashes = 0;
    while (i < n && is_blank((unsigned char)s[i]))
        i++;
    for (; i < n && s[i] == '-'; i++)
        dashes++;
    while (i < n && is_blank((unsigned char)s[i]))
        i++;
    return dashes >= 3 && (i == n || s[i] == '#');
}

static int name_taken(const convtool_kernel_bank *bank, const char *name)
{
    for (size_t i = 0; i < bank->count; i++)
        if (kernel_same_word(bank->kernels[i].name, name))
            return 1;
    return 0;
}

/* One part of a text bank: the header, a kernel after a ---, or a whole plain kernel. */
static convtool_status add_section(const char *text, size_t len, enum kernel_section_kind kind,
                                   int first_line, convtool_kernel_bank *bank,
                                   convtool_parse_error *err)
{
    struct kernel_section sec = {.kind = kind, .first_line = first_line};
    convtool_kernel k;
    convtool_status st = kernel_parse_section(text, len, &sec, &k, err);
    if (st != CONVTOOL_OK)
        return st;
    if (kind == KERNEL_SECTION_HEADER) {
        memcpy(bank->description, k.description, sizeof bank->description);
        bank->has_combine = sec.has_combine;
        bank->combine = sec.combine;
        convtool_kernel_free(&k);
        return CONVTOOL_OK;
    }
    if (sec.name[0] && name_taken(bank, sec.name))
        st =
            kernel_fail(err, first_line > 1 ? first_line - 1 : 1, 1,
                        "the kernel after this line is named \"%s\" like an earlier one", sec.name);
    else if (bank->count >= CONVTOOL_BANK_MAX)
        st = kernel_fail(err, first_line > 1 ? first_line - 1 : 1, 1,
                         "more than %d kernels in one bank", CONVTOOL_BANK_MAX);
    if (st == CONVTOOL_OK) {
        memcpy(k.name, sec.name, sizeof k.name);
        st = kernel_bank_add(bank, &k);
    }
    convtool_kernel_free(&k);
    return st;
}

/* Splits the text at `---` lines; without one it is a single kernel, as before banks. */
static convtool_status parse_text_bank(const char *text, size_t len, convtool_kernel_bank *bank,
                                       convtool_parse_error *err)
{
    size_t start = 0, pos = 0;
    int line = 1, start_line = 1, parts = 0;
    convtool_status st = CONVTOOL_OK;
    while (st == CONVTOOL_OK && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (is_separator(text + pos, end - pos)) {
            st = add_section(text + start, pos - start,
                             parts ? KERNEL_SECTION_MEMBER : KERNEL_SECTION_HEADER, start_line,
                             bank, err);
            parts++;
            start = end < len ? end + 1 : len;
            start_line = line + 1;
        }
        pos = end < len ? end + 1 : len;
        line++;
    }
    if (st == CONVTOOL_OK)
        st = add_section(text + start, len - start,
                         parts ? KERNEL_SECTION_MEMBER : KERNEL_SECTION_PLAIN, start_line, bank,
                         err);
    return st;
}

/* Nested lists of rank 3 (a bank of kernels) or torch's and numpy's printed tensors. */
static convtool_status read_array_bank(const char *text, size_t len, convtool_kernel_bank *bank,
                                       convtool_parse_error *err)
{
    struct kernel_array a;
    convtool_status st = kernel_read_array(text, len, &a, err);
    if (st == CONVTOOL_OK)
        st = kernel_bank_from_array(&a, bank, err);
    kernel_array_free(&a);
    return st;
}

convtool_status convtool_kernel_bank_parse(const void *data, size_t len, const char *name,
                                           convtool_kernel_format format,
                                           convtool_kernel_bank *bank, convtool_parse_error *err)
{
    const char *text = data ? data : "";
    convtool_status st;
    if (!bank)
        return CONVTOOL_EINVAL;
    memset(bank, 0, sizeof *bank);
    if (err)
        memset(err, 0, sizeof *err);
    if (!data && len > 0)
        return CONVTOOL_EINVAL;
    if (format == CONVTOOL_KERNEL_FORMAT_AUTO)
        format = convtool_kernel_format_sniff(text, len);
    switch (format) {
    case CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK:
        st = kernel_read_imagemagick(text, len, bank, err);
        break;
    case CONVTOOL_KERNEL_FORMAT_VIPS:
        st = kernel_read_vips(text, len, bank, err);
        break;
    case CONVTOOL_KERNEL_FORMAT_NPY:
        st = kernel_read_npy((const unsigned char *)text, len, bank, err);
        break;
    case CONVTOOL_KERNEL_FORMAT_CONVTOOL:
        st = kernel_text_is_array(text, len) ? read_array_bank(text, len, bank, err)
                                             : parse_text_bank(text, len, bank, err);
        break;
    default:
        st = CONVTOOL_EINVAL;
    }
    if (st != CONVTOOL_OK) {
        convtool_kernel_bank_free(bank);
        return st;
    }
    kernel_copy_name(bank->name, sizeof bank->name, name ? name : "");
    kernel_bank_name_members(bank);
    return CONVTOOL_OK;
}

/* ---- the single-kernel API, and files */

/*
 * The text may be a kernel bank or another tool's format: the first kernel is
 * returned, named `name`, with the bank's description if it has none.
 */
convtool_status convtool_kernel_parse(const char *text, size_t len, const char *name,
                                      convtool_kernel *k, convtool_parse_error *err)
{
    convtool_kernel_bank bank;
    memset(k, 0, sizeof *k);
    convtool_status st =
        convtool_kernel_bank_parse(text, len, name, CONVTOOL_KERNEL_FORMAT_AUTO, &bank, err);
    if (st == CONVTOOL_OK)
        kernel_bank_take_first(&bank, name ? name : "", k);
    convtool_kernel_bank_free(&bank);
    return st;
}

/* The file's stem: its basename without the last extension (".hidden" keeps its dot). */
void kernel_stem(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
    if (n >= size)
        n = size - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

/*
 * The file's bytes (not NUL-terminated; *text is malloc'ed, free it). The
 * shared reader refuses FIFOs and devices and files over MAX_FILE_BYTES
 * before reading them.
 */
static convtool_status kernel_read_text(const char *path, char **text, size_t *len)
{
    convtool_buffer b = {0};
    *text = NULL;
    *len = 0;
    convtool_status st = convtool_read_file(path, MAX_FILE_BYTES, &b);
    if (st != CONVTOOL_OK)
        return st;
    if (!b.data) { /* an empty file: a valid, empty buffer */
        b.data = malloc(1);
        if (!b.data)
            return CONVTOOL_ENOMEM;
    }
    *text = (char *)b.data;
    *len = b.len;
    return CONVTOOL_OK;
}

convtool_status convtool_kernel_bank_load_file(const char *path, convtool_kernel_bank *bank,
                                               convtool_parse_error *err)
{
    char *text = NULL, stem[CONVTOOL_NAME_MAX];
    size_t len = 0;
    if (!bank)
        return CONVTOOL_EINVAL;
    memset(bank, 0, sizeof *bank);
    if (err)
        memset(err, 0, sizeof *err);
    if (!path)
        return CONVTOOL_EINVAL;
    convtool_status st = kernel_read_text(path, &text, &len);
    if (st == CONVTOOL_OK) {
        kernel_stem(path, stem, sizeof stem);
        st = convtool_kernel_bank_parse(text, len, stem, convtool_kernel_format_from_path(path),
                                        bank, err);
    }
    int saved = errno;
    free(text);
    errno = saved;
    return st;
}

/* Any kernel file format; a bank gives its first kernel (see convtool_kernel_parse). */
convtool_status convtool_kernel_load_file(const char *path, convtool_kernel *k,
                                          convtool_parse_error *err)
{
    convtool_kernel_bank bank;
    memset(k, 0, sizeof *k);
    convtool_status st = convtool_kernel_bank_load_file(path, &bank, err);
    if (st == CONVTOOL_OK)
        kernel_bank_take_first(&bank, bank.name, k);
    convtool_kernel_bank_free(&bank);
    return st;
}

/* ---- the named kernels of kernels/ */

size_t convtool_builtin_count(void)
{
    return builtin_kernel_source_count;
}

const char *convtool_builtin_name(size_t index)
{
    if (index >= builtin_kernel_source_count)
        return NULL;
    return builtin_kernel_sources[index].name;
}

convtool_status convtool_builtin_kernel(const char *name, convtool_kernel *k)
{
    if (!k)
        return CONVTOOL_EINVAL;
    memset(k, 0, sizeof *k);
    if (!name)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < builtin_kernel_source_count; i++) {
        const struct builtin_kernel_source *src = &builtin_kernel_sources[i];
        if (kernel_same_word(name, src->name))
            return convtool_kernel_parse(src->text, src->len, src->name, k, NULL);
    }
    return CONVTOOL_ENOENT;
}

convtool_status convtool_builtin_bank(const char *name, convtool_kernel_bank *bank)
{
    if (!bank)
        return CONVTOOL_EINVAL;
    memset(bank, 0, sizeof *bank);
    if (!name)
        return CONVTOOL_EINVAL;
    for (size_t i = 0; i < builtin_kernel_source_count; i++) {
        const struct builtin_kernel_source *src = &builtin_kernel_sources[i];
        if (kernel_same_word(name, src->name))
            return convtool_kernel_bank_parse(src->text, src->len, src->name,
                                              CONVTOOL_KERNEL_FORMAT_CONVTOOL, bank, NULL);
    }
    return CONVTOOL_ENOENT;
}
