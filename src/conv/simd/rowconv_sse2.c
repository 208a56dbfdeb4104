/* rowconv for sse2: see rowconv_impl.h (built with this ISA's flags by CMakeLists.txt). */
#define ROWCONV_NAME rowconv_sse2
#define FINITE_SCAN_NAME finite_scan_sse2
#define ROWCONV_LANES 4
#include "conv/simd/rowconv_impl.h"
