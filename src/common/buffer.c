/* A growable byte buffer: encoders write into it, then one checked file write. */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"

convtool_status convtool_buffer_append(convtool_buffer *b, const void *data, size_t len)
{
    if (b->failed)
        return CONVTOOL_ENOMEM;
    if (len > SIZE_MAX - b->len) {
        b->failed = 1;
        return CONVTOOL_EOVERFLOW;
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap = cap > SIZE_MAX / 2 ? b->len + len : cap * 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return CONVTOOL_ENOMEM;
        }
        b->data = grown;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return CONVTOOL_OK;
}

void convtool_buffer_free(convtool_buffer *b)
{
    if (!b)
        return;
    free(b->data);
    memset(b, 0, sizeof *b);
}
