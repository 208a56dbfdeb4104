/*
 * Whether decoders are contained. The containment itself: long-lived
 * workers (sandbox_worker.h), locked down by sandbox_enter() (sandbox_child.h).
 */
#ifndef CONVTOOL_DECODE_SANDBOX_H
#define CONVTOOL_DECODE_SANDBOX_H

#include "convtool/convtool.h"

/* Whether decoding is contained: opts->no_sandbox unset and CONVTOOL_SANDBOX is not "0". */
int sandbox_wanted(const convtool_load_options *opts);

#endif
