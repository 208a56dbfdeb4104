/*
 * Fuzz target: the convtool program's command line. The input is split on NUL
 * bytes into the arguments after "convtool" and run through cli_run, the real
 * program without main()'s process set-up (convtool_cli, the library the
 * binary links), so `apply`, `shape`, `kernels`, --help and every error path
 * run as they do for a user.
 *
 * Each run happens in a private temporary directory, re-created with a few
 * tiny inputs (in.png, ga.png, in.jpg, in.npy, k.txt, kdir/edge.txt), and
 * arguments that could name anything outside it are rewritten first, so the
 * fuzzer writes nowhere else and reads no device or FIFO.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "convtool/convtool.h"
#include "fuzz_common.h"

#define MAX_ARGS 64

static char work_dir[] = "/tmp/convtool-fuzz-cli-XXXXXX";

struct fixture {
    const char *name;
    convtool_buffer bytes;
};
static struct fixture fixtures[] = {
    {"in.png", {0}}, {"ga.png", {0}}, {"in.jpg", {0}},
    {"in.npy", {0}}, {"k.txt", {0}},  {"kdir/edge.txt", {0}},
};
#define FIXTURE_COUNT (sizeof fixtures / sizeof fixtures[0])

static void encode_fixture(struct fixture *f, int c, int h, int w, convtool_format fmt, int rank)
{
    convtool_tensor t;
    FUZZ_CHECK(convtool_tensor_alloc(&t, c, h, w) == CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = (float)((i * 37) % 256) / 255.0f;
    convtool_save_options so = {.format = fmt, .jpeg_quality = 80, .npy_rank = rank};
    FUZZ_CHECK(convtool_image_encode(&t, &so, &f->bytes) == CONVTOOL_OK);
    convtool_tensor_free(&t);
}

static void text_fixture(struct fixture *f, const char *text)
{
    FUZZ_CHECK(convtool_buffer_append(&f->bytes, text, strlen(text)) == CONVTOOL_OK);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    return ftw->level == 0 ? 0 : remove(path);
}

/* Empties the work directory (outputs and batch directories of the last run). */
static void clear_work_dir(void)
{
    nftw(work_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_work_dir(void)
{
    clear_work_dir();
    rmdir(work_dir);
}

static void write_fixtures(void)
{
    FUZZ_CHECK(mkdir("kdir", 0700) == 0);
    for (size_t i = 0; i < FIXTURE_COUNT; i++) {
        FILE *f = fopen(fixtures[i].name, "wb");
        FUZZ_CHECK(f != NULL);
        FUZZ_CHECK(fwrite(fixtures[i].bytes.data, 1, fixtures[i].bytes.len, f) ==
                   fixtures[i].bytes.len);
        FUZZ_CHECK(fclose(f) == 0);
    }
}

/* Stdin reads nothing, stdout (images written to '-', listings) goes nowhere. */
static void redirect_std_streams(void)
{
    int null_fd = open("/dev/null", O_RDWR);
    FUZZ_CHECK(null_fd > 2);
    FUZZ_CHECK(dup2(null_fd, 0) == 0 && dup2(null_fd, 1) == 1);
    close(null_fd);
}

static void init_once(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    encode_fixture(&fixtures[0], 3, 5, 7, CONVTOOL_FORMAT_PNG, 3);
    encode_fixture(&fixtures[1], 2, 3, 4, CONVTOOL_FORMAT_PNG, 3);
    encode_fixture(&fixtures[2], 3, 8, 8, CONVTOOL_FORMAT_JPEG, 3);
    encode_fixture(&fixtures[3], 1, 6, 5, CONVTOOL_FORMAT_NPY, 2);
    text_fixture(&fixtures[4], "# fuzz\ndescription: a test kernel\nscale: 1/4\n1 2 1\n");
    text_fixture(&fixtures[5], "description: edge\n-1 0 1\n-2 0 2\n-1 0 1\n");
    FUZZ_CHECK(mkdtemp(work_dir) != NULL);
    atexit(remove_work_dir);
    /* Images decode in this process unless asked: the sanitizers must see the decoder,
     * and a fork per run would be slow. CONVTOOL_SANDBOX=1 fuzzes the sandbox instead. */
    setenv("CONVTOOL_SANDBOX", "0", 0);
    redirect_std_streams();
}

/*
 * Keeps every path inside the work directory: '/' in an option token (where
 * getopt may take the rest as a value: -o/x, --output-dir=/x) and a leading
 * '/' become '_', and ".." becomes "._".
 */
static void confine(char *arg)
{
    if (arg[0] == '-') {
        for (char *p = arg; *p; p++)
            if (*p == '/')
                *p = '_';
    }
    if (arg[0] == '/')
        arg[0] = '_';
    for (char *p = strstr(arg, ".."); p; p = strstr(p, ".."))
        p[1] = '_';
}

/* Each argument ends with a NUL byte (the last one may end with the input); returns argc. */
static int split_args(char *text, size_t size, char **argv)
{
    static char program[] = "convtool";
    int argc = 0;
    argv[argc++] = program;
    size_t start = 0;
    for (size_t i = 0; i <= size && start < size && argc < MAX_ARGS; i++) {
        if (i < size && text[i] != '\0')
            continue;
        text[i] = '\0';
        confine(text + start);
        argv[argc++] = text + start;
        start = i + 1;
    }
    argv[argc] = NULL;
    return argc;
}

/* getopt keeps its position across calls; 0 makes glibc start over. */
static void reset_cli_state(void)
{
    optind = 0;
    optopt = 0;
    opterr = 1;
    cli_quiet = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size == 0)
        return 0;
    char *text = malloc(size + 1); /* argv strings must be writable and NUL-terminated */
    char *argv[MAX_ARGS + 1];
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    int argc = split_args(text, size, argv);
    int home = open(".", O_RDONLY | O_DIRECTORY);
    FUZZ_CHECK(home >= 0 && chdir(work_dir) == 0);
    clear_work_dir();
    write_fixtures();
    reset_cli_state();
    int status = cli_run(argc, argv);
    fflush(stdout);
    FUZZ_CHECK(status == 0 || status == 1 || status == 2);
    clear_work_dir();
    FUZZ_CHECK(fchdir(home) == 0);
    close(home);
    free(text);
    return 0;
}
