/*
 * --grid: the picture of "what each filter sees" that the lessons draw with
 * torchvision's make_grid: one gray tile per output channel, each mapped to
 * [0,1] on its own, so a faint response shows as well as a strong one.
 */
#include <float.h>
#include <limits.h>
#include <string.h>

#include "apply/apply_common.h"
#include "apply/apply_grid.h"
#include "apply/apply_meta.h"
#include "apply/save_choice.h"
#include "common/messages.h"

#define GRID_GAP 2       /* pixels between tiles (make_grid's padding) */
#define GRID_ROW_MAX 8   /* tiles per row for one item (make_grid's nrow) */
#define GRID_LINE 1.0f   /* the lines between tiles: white, seen against dark tiles */

struct layout {
    int tiles, cols, rows, th, tw;
};

/* min-max like make_grid(normalize=True, scale_each=True); a constant tile is 0. */
static void normalize_tile(float *v, size_t n)
{
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (size_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0.0f;
}

/* Copies tile i (a th×tw plane, already mapped) into its cell of the grid. */
static void place(const struct layout *l, convtool_tensor *grid, int i, const float *plane)
{
    int row = i / l->cols, col = i % l->cols;
    float *dst = grid->data + (size_t)(GRID_GAP + row * (l->th + GRID_GAP)) * grid->w + GRID_GAP +
                 (size_t)col * (l->tw + GRID_GAP);
    for (int y = 0; y < l->th; y++)
        memcpy(dst + (size_t)y * grid->w, plane + (size_t)y * l->tw, l->tw * sizeof(float));
}

/* One row per batch item; one item alone gets rows of at most GRID_ROW_MAX tiles. */
static struct layout plan(const convtool_tensor *parts, int count, int batch)
{
    int per_item = count * (parts[0].c / batch);
    struct layout l = {.tiles = per_item * batch, .th = parts[0].h, .tw = parts[0].w};
    l.cols = batch > 1 || per_item < GRID_ROW_MAX ? per_item : GRID_ROW_MAX;
    l.rows = (l.tiles + l.cols - 1) / l.cols;
    return l;
}

/* Tiles in order: item by item, each kernel's channels in turn, each mapped on its own. */
static void fill(const struct apply_options *o, const struct layout *l,
                 const convtool_tensor *parts, int count, int batch, convtool_tensor *tile,
                 convtool_tensor *grid)
{
    size_t plane = (size_t)l->th * l->tw;
    int per_part = parts[0].c / batch, i = 0;
    for (size_t k = 0, n = convtool_tensor_count(grid); k < n; k++)
        grid->data[k] = GRID_LINE;
    for (int n = 0; n < batch; n++)
        for (int k = 0; k < count; k++)
            for (int c = 0; c < per_part; c++, i++) {
                memcpy(tile->data, parts[k].data + ((size_t)n * per_part + c) * plane,
                       plane * sizeof(float));
                if (o->map_given)
                    convtool_map_apply(tile, o->map);
                else
                    normalize_tile(tile->data, plane);
                place(l, grid, i, tile->data);
            }
}

int apply_write_grid(const struct apply_job *job, const struct output_file *out,
                     const convtool_tensor *parts, int count, int batch)
{
    const struct apply_options *o = job->opts;
    struct layout l = plan(parts, count, batch);
    convtool_tensor grid = {0}, tile = {0};
    long long gh = GRID_GAP + (long long)l.rows * (l.th + GRID_GAP);
    long long gw = GRID_GAP + (long long)l.cols * (l.tw + GRID_GAP);
    if (gh > INT_MAX || gw > INT_MAX)
        return cli_report(out->path, CONVTOOL_EOVERFLOW);
    convtool_status st = convtool_tensor_alloc(&grid, 1, (int)gh, (int)gw);
    if (st == CONVTOOL_OK)
        st = convtool_tensor_alloc(&tile, 1, l.th, l.tw);
    if (st == CONVTOOL_OK)
        fill(o, &l, parts, count, batch, &tile, &grid);
    /* quality, sampling and depth as for any output (a zero -q was an "invalid argument") */
    convtool_save_options so = save_choice_options(job, job->choice, out);
    so.npy_rank = 2;
    apply_meta_note_grid(job, out);
    save_choice_tell(job, job->choice, out, 1);
    convtool_buffer encoded = {0};
    if (st == CONVTOOL_OK)
        st = convtool_image_encode(&grid, &so, &encoded);
    int rc = st == CONVTOOL_OK ? apply_write(out->path, &encoded) : cli_report(out->path, st);
    convtool_buffer_free(&encoded);
    convtool_tensor_free(&grid);
    convtool_tensor_free(&tile);
    return rc;
}
