/* Fatal signals: remove temp files, then exit 128+signal as the SPEC asks. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "convtool/convtool.h"
#include "common/signals.h"

void cli_fatal_signal_set(sigset_t *set)
{
    convtool_atomic_signal_set(set); /* one list, the library's: what it blocks, we handle */
}

static void on_fatal_signal(int signo)
{
    convtool_atomic_cleanup();
    _exit(128 + signo);
}

/* nohup and background jobs start us with some signals ignored; keep it so. */
static int ignored_at_startup(int signo)
{
    struct sigaction current;

    return sigaction(signo, NULL, &current) == 0 && current.sa_handler == SIG_IGN;
}

void cli_install_signal_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    /* A second signal must not interrupt the cleanup of the first. */
    cli_fatal_signal_set(&sa.sa_mask);
    for (int signo = 1; signo < NSIG; signo++) {
        if (sigismember(&sa.sa_mask, signo) == 1 && !ignored_at_startup(signo))
            sigaction(signo, &sa, NULL);
    }

    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, NULL);
    /* Over `ulimit -f`, a write then fails with EFBIG, which we report and clean
     * up after, instead of the process dying with a temp file left behind. */
    sigaction(SIGXFSZ, &ignore, NULL);
}
