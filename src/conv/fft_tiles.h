/*
 * The FFT path (fft_tiles.c): overlap-save correlation in tiles of bounded
 * memory, fed by the core's conv_source and feeding its conv_sink.
 */
#ifndef CONVTOOL_FFT_TILES_H
#define CONVTOOL_FFT_TILES_H

#include "conv/core.h"
#include "convtool/convtool.h"

/*
 * A tile is an n0×n1 FFT of the padded input; it gives t0×t1 full-resolution
 * (stride 1) correlation values, t = n − (dilated kernel extent) + 1, of which
 * a stride keeps every s-th. method_choice.c picks the size.
 */
struct fft_tiling {
    int n0, n1;
    int t0, t1;
};

/*
 * Runs the correlation of every channel of src with k (g as in core_run) into
 * sink through FFTs, band of tiles by band of tiles (a band = one row of
 * tiles, all channels; pool threads take bands). Tiles are computed the same
 * whatever thread takes them, so the bytes do not depend on the thread count.
 * Unless finite_input, a tile whose input holds NaN or infinity is computed
 * by the direct core instead (an FFT would spread it over the whole tile).
 * The kernel must be finite. EUNSUPPORTED without FFTW.
 */
convtool_status fft_run(const struct fft_tiling *tiling, const convtool_kernel *k,
                        const convtool_geometry *g, float bias, int finite_input,
                        const struct conv_source *src, const struct conv_sink *sink,
                        convtool_pool *pool, size_t *clipped);

#endif
