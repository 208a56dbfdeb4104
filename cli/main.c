/* convtool: the process set-up (standard descriptors, signal handlers), then cli_run. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/signals.h"

/*
 * Started with 0, 1 or 2 closed (`2>&-`, a supervisor), the next open() would
 * receive that number: an output's temp file would become "stderr" and a
 * message would be written into the image. /dev/null takes any closed one
 * first, as OpenSSH's sanitise_stdfd and gnulib's xstdopen do.
 */
static int open_standard_descriptors(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null < 0)
            return -1;
        if (null != fd) { /* cannot happen: fd is the lowest free number */
            int moved = dup2(null, fd);
            close(null);
            if (moved != fd)
                return -1;
        }
    }
    return 0;
}

/*
 * Buffers of up to 32 MiB (a PNG strip writer's, a thumbnail's pixels) come from
 * the heap, which keeps up to 64 MiB of freed top: a batch reuses the same pages
 * file after file instead of mapping, faulting in and trimming them each time
 * (measured: 300 thumbnails spent a third of their system time on that). Images
 * bigger than that are mapped apart as before.
 */
static void tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char **argv)
{
    tune_malloc();
    if (open_standard_descriptors() != 0) {
        /* Said only where stderr is open: it may be the very descriptor that is missing. */
        if (fcntl(STDERR_FILENO, F_GETFD) != -1)
            fprintf(stderr, "convtool: /dev/null: %s (needed for a closed standard "
                            "descriptor)\n", strerror(errno));
        return EXIT_RUNTIME;
    }
    cli_install_signal_handlers();
    return cli_run(argc, argv);
}
