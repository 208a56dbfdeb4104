/* rowconv for avx2: see rowconv_impl.h (built with this ISA's flags by CMakeLists.txt). */
#define ROWCONV_NAME rowconv_avx2
#define FINITE_SCAN_NAME finite_scan_avx2
#define ROWCONV_LANES 8
#include "conv/simd/rowconv_impl.h"
