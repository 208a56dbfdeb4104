/*
 * The replay driver: an ordinary main() that feeds every file under the given
 * directories (or the given files) to a fuzz target's LLVMFuzzerTestOneInput,
 * so the saved corpus and every crasher in fuzz/regressions run as a normal
 * test in every build, with whatever sanitizers the build has. Files run in
 * sorted order, so a failure reproduces; the file is named before it runs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    char *data = NULL;
    if (!f || fstat(fileno(f), &sb) != 0 || sb.st_size < 0)
        goto cleanup;
    *size = (size_t)sb.st_size;
    /* Exactly the file's size, so the sanitizers see reads past its end. */
    data = malloc(*size ? *size : 1);
    if (data && fread(data, 1, *size, f) != *size) {
        free(data);
        data = NULL;
    }
cleanup:
    if (f)
        fclose(f);
    return data;
}

static int run_file(const char *path)
{
    size_t size = 0;
    char *data = read_whole(path, &size);
    if (!data) {
        fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput((const uint8_t *)data, size);
    free(data);
    return 1;
}

static int run_path(const char *path);

/* Runs a directory's entries in sorted order; returns the number of files run, or -1. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    int total = 0;
    struct dirent *e;
    while (total >= 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., and dot files such as .gitignore */
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                total = -1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if ((names[count] = malloc(len)) == NULL) {
            total = -1;
            break;
        }
        snprintf(names[count++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        int n = total >= 0 ? run_path(names[i]) : 0;
        total = n < 0 ? -1 : total + n;
        free(names[i]);
    }
    free(names);
    return total;
}

static int run_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(sb.st_mode) ? run_dir(path) : run_file(path);
}

int main(int argc, char **argv)
{
    int total = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...  (runs each file through the fuzz target)\n",
                argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0 && errno == ENOENT) {
            fprintf(stderr, "replay: %s: nothing saved yet\n", argv[i]);
            continue; /* an empty regressions/ directory is not kept by git */
        }
        int n = run_path(argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    fprintf(stderr, "replay: %d inputs ran cleanly\n", total);
    return total > 0 ? 0 : 1;
}
