/* rowconv for avx512: see rowconv_impl.h (built with this ISA's flags by CMakeLists.txt). */
#define ROWCONV_NAME rowconv_avx512
#define FINITE_SCAN_NAME finite_scan_avx512
#define ROWCONV_LANES 16
#include "conv/simd/rowconv_impl.h"
