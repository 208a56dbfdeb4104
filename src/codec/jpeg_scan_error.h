/*
 * Internal to jpeg_scan.c and jpeg_scan_write.c: libjpeg's error manager as
 * TurboJPEG sets it up (turbojpeg.c: my_error_exit, my_emit_message), so that
 * each failure gets the status jpeg_turbo.c gives it. libjpeg reports an
 * error by calling error_exit, which must not return: this one jumps back to
 * the setjmp of the API call in progress. Nothing is ever printed.
 *
 * Only compiled with libjpeg (CONVTOOL_WITH_JPEGLIB).
 */
#ifndef CONVTOOL_JPEG_SCAN_ERROR_H
#define CONVTOOL_JPEG_SCAN_ERROR_H

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>
#include <jerror.h> /* WARNMS, JWRN_JPEG_EOF */

#include "convtool/convtool.h"

struct jpeg_scan_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;          /* set by every API call before it calls into libjpeg */
    int stop_on_warning;   /* a warning jumps like an error (TJFLAG_STOPONWARNING) */
    int warned;            /* a warning was emitted (TurboJPEG then fails the call) */
    convtool_status fails; /* what a libjpeg error means: ECORRUPT decoding, EINVAL encoding */
    convtool_status status; /* the status of the error that jumped */
};

/* Installs e as cinfo's error manager (before jpeg_create_*): errors jump, nothing prints. */
void jpeg_scan_error_init(j_common_ptr cinfo, struct jpeg_scan_error *e, convtool_status fails);

/* Jumps back with st from a callback of ours (CONVTOOL_EIO from a stream, CONVTOOL_ESCANS). */
_Noreturn void jpeg_scan_error_raise(j_common_ptr cinfo, convtool_status st);

#endif /* CONVTOOL_JPEG_SCAN_ERROR_H */
