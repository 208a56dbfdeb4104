/* convtool: the command table, the top-level flags, and running a command (cli_run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/suggest.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"apply", cmd_apply, "filter images with convolution kernels"},
    {"shape", cmd_shape, "print output sizes of a convolution without decoding pixels"},
    {"kernels", cmd_kernels, "list the named kernels or show their values"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
    fprintf(out, "usage: convtool COMMAND [OPTIONS] ...\n"
                 "       convtool --help | --version | COMMAND --help\n\n"
                 "Image filtering with PyTorch's conv2d semantics.\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s  %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexamples:\n"
                 "  convtool apply -k sharpen in.png out.png\n"
                 "  convtool shape 28x28 -k 3 -p 0\n"
                 "  convtool kernels show sobel\n");
}

/* CONVTOOL_SIMD=scalar|sse2|avx2|avx512 pins the instruction set (tests, benchmarks). */
static int apply_simd_environment(void)
{
    const char *text = getenv("CONVTOOL_SIMD");
    convtool_simd level;
    if (!text || !*text)
        return EXIT_OK;
    if (convtool_simd_parse(text, &level) != CONVTOOL_OK) {
        cli_error("CONVTOOL_SIMD=%s: unknown level (auto, scalar, sse2, avx2, avx512)", text);
        return EXIT_USAGE;
    }
    if (convtool_simd_force(level) != CONVTOOL_OK) {
        cli_error("CONVTOOL_SIMD=%s: this CPU does not support it", text);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* "aply" is a typo of apply: say so rather than only pointing at --help. */
static int unknown_command(const char *cmd)
{
    struct suggestion near;
    suggestion_init(&near, cmd, strlen(cmd));
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        suggestion_offer(&near, commands[i].name, strlen(commands[i].name));
    if (near.name[0])
        cli_error("unknown command '%s'; did you mean %s? (see 'convtool --help')", cmd,
                  near.name);
    else
        cli_error("unknown command '%s' (try 'convtool --help')", cmd);
    return EXIT_USAGE;
}

int cli_run(int argc, char **argv)
{
    if (apply_simd_environment() != EXIT_OK)
        return EXIT_USAGE;
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (cmd[0] == '\0') {
        cli_error("the command is empty (''): give one of apply, shape, kernels "
                  "(see 'convtool --help')");
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(stdout);
        return cli_finish_stdout();
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("convtool %s\n", CONVTOOL_VERSION);
        return cli_finish_stdout();
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-') { /* `convtool -k sharpen in.png out.png`: the command was left out */
        cli_error("'%s' is an option of a command, not a command; did you mean 'convtool apply "
                  "%s …'? (commands: apply, shape, kernels)",
                  cmd, cmd);
        return EXIT_USAGE;
    }
    return unknown_command(cmd);
}
