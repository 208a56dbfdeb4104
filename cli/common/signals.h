/* Signal handling for the convtool program (not the library). */
#ifndef CONVTOOL_CLI_SIGNALS_H
#define CONVTOOL_CLI_SIGNALS_H

#include <signal.h>

/*
 * Every signal of convtool_atomic_signal_set (each catchable one whose default
 * action ends the process, but the fault signals) removes any temporary output
 * file and exits with
 * status 128 + signal; a signal ignored at startup (nohup) stays ignored.
 * SIGPIPE is ignored, so a closed stdout is an EPIPE write error we report;
 * SIGXFSZ too, so a write over `ulimit -f` is an EFBIG error we report.
 */
void cli_install_signal_handlers(void);

/* The signals above, as a set: batch workers block them (the main thread cleans up). */
void cli_fatal_signal_set(sigset_t *set);

#endif
