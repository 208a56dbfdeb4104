/* libjpeg's errors and warnings as statuses, the way TurboJPEG reports them (see jpeg_scan_error.h). */
#ifdef CONVTOOL_WITH_JPEGLIB /* else nothing: jpeg_scan.c and jpeg_scan_write.c answer EUNSUPPORTED */

#include <string.h>

#include "codec/jpeg_scan_error.h"

/*
 * jpeg_turbo.c reads an allocation failure from TurboJPEG's message ("Insufficient
 * memory (case N)", or libjpeg's "Invalid memory pool code"): the same words here.
 */
static convtool_status status_of(j_common_ptr cinfo)
{
    struct jpeg_scan_error *e = (struct jpeg_scan_error *)cinfo->err;
    char why[JMSG_LENGTH_MAX];
    e->pub.format_message(cinfo, why);
    return strstr(why, "memory") || strstr(why, "Memory") ? CONVTOOL_ENOMEM : e->fails;
}

_Noreturn void jpeg_scan_error_raise(j_common_ptr cinfo, convtool_status st)
{
    struct jpeg_scan_error *e = (struct jpeg_scan_error *)cinfo->err;
    e->status = st;
    longjmp(e->jump, 1);
}

static void error_exit(j_common_ptr cinfo)
{
    jpeg_scan_error_raise(cinfo, status_of(cinfo));
}

/* Level < 0 is a warning (corrupt data libjpeg can step over); ≥ 0 traces, which nobody reads. */
static void emit_message(j_common_ptr cinfo, int level)
{
    struct jpeg_scan_error *e = (struct jpeg_scan_error *)cinfo->err;
    if (level >= 0)
        return;
    e->warned = 1;
    e->pub.num_warnings++;
    if (e->stop_on_warning)
        jpeg_scan_error_raise(cinfo, status_of(cinfo));
}

/* libjpeg's own would print to stderr: a library never prints. */
static void output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

void jpeg_scan_error_init(j_common_ptr cinfo, struct jpeg_scan_error *e, convtool_status fails)
{
    cinfo->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = error_exit;
    e->pub.emit_message = emit_message;
    e->pub.output_message = output_message;
    e->stop_on_warning = 0;
    e->warned = 0;
    e->fails = fails;
    e->status = CONVTOOL_OK;
}

#endif
