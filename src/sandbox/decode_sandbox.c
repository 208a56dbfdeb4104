/* Whether decoders are contained (see decode_sandbox.h). */
#include <stdlib.h>
#include <string.h>

#include "sandbox/decode_sandbox.h"

int sandbox_wanted(const convtool_load_options *opts)
{
    if (opts && opts->no_sandbox)
        return 0;
    const char *env = getenv("CONVTOOL_SANDBOX");
    return !env || strcmp(env, "0") != 0;
}
