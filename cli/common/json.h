/* JSON strings for every JSON the program writes (--report lines, shape --json). */
#ifndef CONVTOOL_CLI_JSON_H
#define CONVTOOL_CLI_JSON_H

#include <stdio.h>

/*
 * text as a JSON string on f. File names are bytes and JSON is UTF-8: a
 * byte that does not start a valid UTF-8 sequence is written as \ufffd, so
 * any name gives JSON that parsers accept; control bytes as \u00XX.
 */
void json_put_string(FILE *f, const char *text);

#endif
