/* The program's exit codes and messages (messages.c): everything but data goes to stderr. */
#ifndef CONVTOOL_CLI_MESSAGES_H
#define CONVTOOL_CLI_MESSAGES_H

#include <stddef.h>

#include "convtool/convtool.h"

/* SPEC: 0 success, 1 a file or operation failed, 2 the command line is wrong. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };
/* Not an exit status: a parser printed --help; the command flushes stdout and stops. */
enum { EXIT_HELP = -1 };

/* Set by --quiet: warnings are not printed (errors always are). */
extern int cli_quiet;

/*
 * Messages longer than this (after escaping) keep their start and end around
 * " ... "; control bytes in them are written as C escapes (\n, \033), as
 * GNU ls -b writes file names.
 */
#define CLI_MESSAGE_MAX 1024

/*
 * text with each control byte written as a C escape (\n, \t, \033) into out,
 * cut to fit cap; returns the length. For names printed outside messages.
 */
size_t cli_escape(const char *text, char *out, size_t cap);

/* "convtool: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "convtool: warning: <message>\n" on stderr, unless --quiet. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "convtool: <message>\n" on stderr, unless --quiet: summaries, --verbose lines. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Set while a progress line owns the last line of stderr: called with 0
 * before each message (to clear the line) and 1 after (to redraw it), with
 * stderr locked (flockfile), so messages from several threads never tear it.
 */
extern void (*cli_progress_hook)(int redraw);

/*
 * The first error and the first warning this thread printed since
 * cli_clear_messages() ("" if none): the message of a batch report line.
 */
const char *cli_first_error(void);
const char *cli_first_warning(void);
void cli_clear_messages(void);

/*
 * Set by batch runs: cli_warn counts and remembers instead of printing, so a
 * thousand files do not print a thousand warnings; cli_deferred_warnings
 * gives the count (and restarts it) and the first one for the summary.
 */
extern int cli_defer_warnings;
size_t cli_deferred_warnings(const char **first);
/*
 * Prints a library failure for path ("convtool: PATH: what"; errno's text for
 * EIO and ENOENT); returns the exit code it deserves.
 */
int cli_report(const char *path, convtool_status st);

/* The exit code a library status deserves: 2 for usage-like failures, else 1. */
int cli_exit_code(convtool_status st);

/* The option getopt_long just rejected as unknown ('?'), as the user wrote it. */
const char *cli_unknown_option(char **argv);

/* Flushes and checks stdout; prints an error and returns 1 if the data was lost. */
int cli_finish_stdout(void);


#endif
