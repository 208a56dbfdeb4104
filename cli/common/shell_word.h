/* Quoting names for the commands that messages suggest, so they can be pasted into a shell. */
#ifndef CONVTOOL_CLI_SHELL_WORD_H
#define CONVTOOL_CLI_SHELL_WORD_H

#include <stddef.h>

/*
 * text as one shell word: itself when it has only safe characters, else in
 * single quotes (a ' inside written '\''), in buf. Cut to fit cap.
 */
const char *shell_word(const char *text, char *buf, size_t cap);

#endif
