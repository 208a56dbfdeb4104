/* Fatal signals: remove temp files, then exit 128+signal as the SPEC asks. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "convtool/convtool.h"
#include "common/signals.h"

/*
 * Every catchable signal whose default action ends the process (signal(7):
 * "Term" and "Core"), except those that report a fault in this process
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT: state is not to
 * be trusted there, and the sanitizers own them) and the two ignored below.
 * The atomic writer blocks the same list while it creates or renames a temp.
 */
static const int fatal_signals[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,   SIGXCPU,
                                    SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF};
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])

void cli_fatal_signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < FATAL_COUNT; i++)
        sigaddset(set, fatal_signals[i]);
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
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        if (!ignored_at_startup(fatal_signals[i]))
            sigaction(fatal_signals[i], &sa, NULL);
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
