/* rowconv for scalar: see rowconv_impl.h (built with this ISA's flags by CMakeLists.txt). */
#define ROWCONV_NAME rowconv_scalar
#define FINITE_SCAN_NAME finite_scan_scalar
#define ROWCONV_LANES 1
#include "conv/simd/rowconv_impl.h"
