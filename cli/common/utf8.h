/* UTF-8 checks shared by the JSON writer and the message escaper. */
#ifndef CONVTOOL_CLI_UTF8_H
#define CONVTOOL_CLI_UTF8_H

#include <stddef.h>

/*
 * The length (2-4) of the valid UTF-8 sequence of a non-ASCII character at s
 * (s NUL-terminated), or 0 if none starts there: overlong forms, surrogates
 * and values above U+10FFFF are not valid.
 */
size_t utf8_length(const unsigned char *s);

#endif
