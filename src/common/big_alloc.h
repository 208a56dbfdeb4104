/* Allocation for image-sized buffers. */
#ifndef CONVTOOL_BIG_ALLOC_H
#define CONVTOOL_BIG_ALLOC_H

#include <stddef.h>

/*
 * malloc, but buffers of 8 MiB and more start on a 2 MiB boundary and ask for
 * transparent huge pages: they are touched once per pass, and first-touch
 * page faults would otherwise cost more than the arithmetic (≈ 50,000 faults
 * for a 4096² RGB float image). Free with free(). Never returns NULL for 0.
 */
void *big_alloc(size_t bytes);

#endif
