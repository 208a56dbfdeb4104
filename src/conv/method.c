/* The public face of the methods: names, availability and the choice (method_choice.c). */
#include <strings.h>

#include "conv/conv_plan.h"
#include "conv/fft_plan.h"
#include "conv/method_choice.h"
#include "convtool/convtool.h"

static const char *const method_names[] = {"auto", "direct", "separable", "fft"};
#define METHOD_COUNT (sizeof method_names / sizeof method_names[0])

convtool_status convtool_method_parse(const char *text, convtool_method *method)
{
    for (size_t i = 0; i < METHOD_COUNT; i++) {
        if (strcasecmp(text, method_names[i]) == 0) {
            *method = (convtool_method)i;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

const char *convtool_method_name(convtool_method method)
{
    return (unsigned)method < METHOD_COUNT ? method_names[method] : "unknown";
}

int convtool_method_available(convtool_method method)
{
    return method != CONVTOOL_METHOD_FFT || fft_available();
}

int convtool_method_fits(const convtool_kernel *k, convtool_method method)
{
    if (method == CONVTOOL_METHOD_SEPARABLE)
        return conv_kernel_rank_one(k);
    return convtool_method_available(method);
}

convtool_status convtool_method_choose(const convtool_kernel *k, const convtool_geometry *g,
                                       int channels, int threads, convtool_method_choice *choice)
{
    struct method_decision d;
    convtool_status st = method_decide(k, g, channels, threads, &d);
    *choice = d.choice;
    return st;
}
