/*
 * Internal: the kernel folder's private header (like libvips's
 * pconvolution.h). The front door (kernel_load.c) picks a reader and hands
 * it an empty bank; the readers, the text parser, the bank container and the
 * kernel operations below it only ever call down, each group declared here
 * under the file that defines it.
 */
#ifndef CONVTOOL_KERNEL_INTERNAL_H
#define CONVTOOL_KERNEL_INTERNAL_H

#include <stddef.h>

#include "convtool/convtool.h"

/* What a part of a kernel text is, which decides the directives it takes. */
enum kernel_section_kind {
    KERNEL_SECTION_PLAIN,  /* a whole single-kernel text: description, scale, offset */
    KERNEL_SECTION_HEADER, /* a bank before its first ---: description, combine; no values */
    KERNEL_SECTION_MEMBER  /* a bank's kernel after a ---: name, description, scale, offset */
};

struct kernel_section {
    enum kernel_section_kind kind;
    int first_line; /* the line number of the section's first byte in the whole text */
    /* Results: */
    char name[CONVTOOL_NAME_MAX]; /* `name:` of a member, else "" */
    int has_combine;              /* the header's `combine:` */
    convtool_combine combine;
};

/* ---- kernel_parse.c: the text format, one section at a time */

/*
 * Parses one section that starts at the beginning of a line. k gets the
 * values (none for a header), scale, offset and description; k->name is
 * left empty. Errors carry line numbers of the whole text.
 */
convtool_status kernel_parse_section(const char *text, size_t len, struct kernel_section *sec,
                                     convtool_kernel *k, convtool_parse_error *err);

/*
 * Reads one number token as the text format does (decimal, exponent, A/B;
 * no nan, inf or hex; must fit a float). On failure writes why into `why`.
 */
convtool_status kernel_number(const char *tok, size_t n, double *out, char *why, size_t why_size);

/* ---- kernel_nested.c: nested lists of rank 1 to 4, torch's and numpy's printed forms */

#define KERNEL_ARRAY_MAX_RANK 4

/* A dense array read from text or .npy: shape[0..rank), values row-major (malloc'd). */
struct kernel_array {
    int rank;
    int shape[KERNEL_ARRAY_MAX_RANK];
    float *values;
};

/*
 * True when the text is for kernel_read_array: it starts (after blanks and
 * # comments) with tensor(, array( (torch., np. or numpy. before them) or
 * "Parameter containing:", or with three '[' (rank 3 and up; ranks 1 and 2
 * stay with the text format, which reads them as rows).
 */
int kernel_text_is_array(const char *text, size_t len);

/* Reads nested lists; a ragged nesting is CONVTOOL_EPARSE naming the list and its place. */
convtool_status kernel_read_array(const char *text, size_t len, struct kernel_array *a,
                                  convtool_parse_error *err);
void kernel_array_free(struct kernel_array *a);

/* ---- kernel_imagemagick.c, kernel_formats.c: other tools' formats */

/* True when text starts like an ImageMagick kernel: "WxH:", "3:", "5x3+0+1>:"... */
int kernel_looks_imagemagick(const char *text, size_t len);

/* Other tools' formats, appended to an empty bank; members are left unnamed. */
convtool_status kernel_read_imagemagick(const char *text, size_t len, convtool_kernel_bank *bank,
                                        convtool_parse_error *err);
convtool_status kernel_read_vips(const char *text, size_t len, convtool_kernel_bank *bank,
                                 convtool_parse_error *err);
convtool_status kernel_read_npy(const unsigned char *bytes, size_t len, convtool_kernel_bank *bank,
                                convtool_parse_error *err);
/* A kernel .npy of rank 2, 3 or 4 (finite float32/float64) as an array. */
convtool_status kernel_npy_array(const unsigned char *bytes, size_t len, struct kernel_array *a,
                                 convtool_parse_error *err);

/* ---- kernel_load.c: the front door */

/* A kernel file's name for its kernels: its basename without the last extension. */
void kernel_stem(const char *path, char *out, size_t size);

/* ---- kernel_bank.c: the container the readers append to */

/* Appends k to the bank, taking its values (k is zeroed). */
convtool_status kernel_bank_add(convtool_kernel_bank *bank, convtool_kernel *k);

/*
 * Moves the bank's first kernel into k, named `name`, with the bank's
 * description when it has none of its own (the single-kernel API on a bank).
 */
void kernel_bank_take_first(convtool_kernel_bank *bank, const char *name, convtool_kernel *k);

/*
 * An array of rank 1 (one row), 2 (one kernel) or 3 (K kernels) appended to
 * an empty bank; rank 4 is a weight (CONVTOOL_EPARSE saying so: banks filter
 * each channel on its own).
 */
convtool_status kernel_bank_from_array(const struct kernel_array *a, convtool_kernel_bank *bank,
                                       convtool_parse_error *err);

/* Gives unnamed members NAME (one kernel) or NAME_1, NAME_2, … (several). */
void kernel_bank_name_members(convtool_kernel_bank *bank);

/* Sets err (if not NULL) and returns CONVTOOL_EPARSE; line 0 means "no line". */
convtool_status kernel_fail(convtool_parse_error *err, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- kernel_names.c: bounded name copies and the one ASCII case-fold */

/* Copies at most size-1 bytes of src and a NUL. */
void kernel_copy_name(char *dst, size_t size, const char *src);

/* ASCII-only case folding: names and keywords must not depend on the user's locale. */
int kernel_ascii_lower(int c);

/* True when a and b are the same word but for ASCII case. */
int kernel_same_word(const char *a, const char *b);

#endif /* CONVTOOL_KERNEL_INTERNAL_H */
