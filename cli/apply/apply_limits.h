/*
 * convtool apply: the resource limits (--max-memory, --max-work,
 * --max-input-bytes, --no-sandbox; --max-pixels is checked with the header)
 * and the check of a job against them, made from the header alone before
 * any pixel is decoded.
 */
#ifndef CONVTOOL_CLI_APPLY_LIMITS_H
#define CONVTOOL_CLI_APPLY_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "apply/apply.h"

/* 1 TB of input is no image: 10^12 multiply-adds takes minutes on this kind of machine. */
#define APPLY_DEFAULT_MAX_WORK 1000000000000ull
#define APPLY_DEFAULT_MAX_INPUT_BYTES ((uint64_t)1 << 30)

enum limit_kind { LIMIT_MEMORY, LIMIT_WORK, LIMIT_INPUT_BYTES };

/*
 * A byte count or a plain count: digits with an optional suffix k, M, G, T
 * (×1000ⁿ) or Ki, Mi, Gi, Ti (×1024ⁿ). 0 on success, else -1 and *why.
 */
int parse_byte_size(const char *text, uint64_t *out, const char **why);

/* Parses the value of --max-memory, --max-work or --max-input-bytes (0 = no limit). */
int apply_limit_option(enum limit_kind kind, const char *arg, struct apply_options *o);
void apply_limit_defaults(struct apply_options *o);

/* The library's load options for these command-line options. */
convtool_load_options apply_load_options(const struct apply_options *o);

/*
 * Reads an input (a file, or stdin for "-") under --max-input-bytes; stdin
 * that does not start like an image is refused at once. Prints any failure
 * and returns the exit code.
 */
int apply_read_limited(const struct apply_options *o, const char *path, convtool_buffer *file);

/*
 * Checks the whole run of one input against --max-memory and --max-work,
 * from its header (info) and the file's size: the decoder's memory
 * (convtool_decode_memory_estimate), the tensors or 8-bit buffers of the
 * path the job takes (fused: the 8-bit path, as apply_fused_fits decided;
 * streaming: the strip engine's few strips, apply_stream.c), the outputs,
 * and the multiply-adds of every kernel.
 * Over a limit it prints the numbers and the option to change, and returns
 * EXIT_RUNTIME; a geometry that does not resolve is left to the pipeline.
 */
int apply_check_limits(const struct apply_job *job, const convtool_image_info *info,
                       size_t file_len, int fused, int streaming);

/*
 * The same check for a footprint the caller sized itself (the .npy strip
 * engine, apply_stream_npy.c): decode and buffers in bytes, work in
 * multiply-adds, overflow when a count did not fit in 64 bits.
 */
int apply_check_footprint(const struct apply_job *job, const convtool_image_info *info,
                          uint64_t decode, uint64_t buffers, uint64_t work, int overflow);

/* The input opened for pread if it is a regular file (*len its size), else −1. */
int apply_open_regular(const char *path, uint64_t *len);

/*
 * Reads the input and its header, refusing it (with the numbers) over
 * --max-pixels — before reading it when a PNG's or .npy's first bytes say so.
 */
int apply_read_input(const struct apply_options *o, const char *path, convtool_buffer *file,
                     convtool_image_info *info);

#endif
