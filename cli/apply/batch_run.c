/*
 * Running the planned inputs: several files at once, each file worker with
 * its own convolution pool, so a thousand small images keep every core
 * busy while one big image still uses them all. Which thread runs a file
 * never changes its bytes (the core's result does not depend on the thread
 * count). Workers take the next input from a shared counter; what they
 * report (counts, report lines, progress) goes through one lock.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply_meta.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/messages.h"
#include "common/signals.h"

struct batch {
    const struct apply_options *o;
    const struct prepared_kernel *kernels;
    const struct output_file *outputs;
    int per_input;
    size_t *todo; /* indexes into o->inputs: this shard's inputs, in list order */
    size_t todo_count;
    atomic_size_t next;
    atomic_int stop; /* --fail-fast saw a failure: start nothing new */
    pthread_mutex_t lock;
    /* under lock: */
    size_t done, failed, skipped;
    int worst; /* the worst exit code of a file (single-file mode returns it) */
    FILE *report;
    int report_failed;
    struct progress *progress;
};

struct worker {
    struct batch *b;
    convtool_pool *pool;
    pthread_t thread;
    int running;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * The first component of dir (dir itself included) that is a symbolic link to
 * something missing: its path (to free), *to being where it points; NULL if
 * none. mkdir does not create through such a link, and "Not a directory"
 * would not say why.
 */
static char *dangling_component(const char *dir, char *to, size_t cap)
{
    size_t len = strlen(dir);
    for (size_t end = 1; end <= len; end++) {
        if (dir[end] != '/' && dir[end] != '\0')
            continue;
        char *part = strndup(dir, end);
        struct stat sb;
        ssize_t n = -1;
        if (part && lstat(part, &sb) == 0 && S_ISLNK(sb.st_mode) && stat(part, &sb) != 0 &&
            errno == ENOENT)
            n = readlink(part, to, cap - 1);
        if (n >= 0) {
            to[n] = '\0';
            return part;
        }
        free(part);
    }
    return NULL;
}

static void make_dirs_error(const char *dir, const char *what, int err)
{
    char to[PATH_MAX];
    int opt = what[0] == '-';
    char *link = dangling_component(dir, to, sizeof to);
    if (link)
        cli_error("%s%s: %s%sis a symbolic link to a missing directory (%s); convtool does not "
                  "create directories through links",
                  opt ? "-o " : "", dir, strcmp(link, dir) ? link : "",
                  strcmp(link, dir) ? " " : "", to);
    else
        cli_error("%s%s: cannot create the %s: %s", opt ? "-o " : "", dir,
                  opt ? "output directory" : "directory", strerror(err));
    free(link);
}

int batch_make_dirs(const char *dir, const char *what)
{
    char *path = strdup(dir);
    int ok = path != NULL;
    for (char *p = path + 1; ok && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        ok = mkdir(path, 0777) == 0 || errno == EEXIST;
        *p = '/';
    }
    ok = ok && (mkdir(path, 0777) == 0 || errno == EEXIST);
    struct stat sb;
    if (ok && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        errno = ENOTDIR;
        ok = 0;
    }
    if (!ok)
        make_dirs_error(dir, what, errno);
    free(path);
    return ok ? EXIT_OK : EXIT_RUNTIME;
}

/* --name with a '/' puts outputs in subdirectories of DIR: make them as needed. */
static int make_parents(const struct output_file *outs, int n)
{
    for (int k = 0; k < n; k++) {
        const char *slash = strrchr(outs[k].path + outs[k].name_at, '/');
        if (outs[k].name_at == 0 || !slash)
            continue;
        char *dir = strndup(outs[k].path, (size_t)(slash - outs[k].path));
        int rc = dir ? batch_make_dirs(dir, "directory") : EXIT_RUNTIME;
        free(dir);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

static int not_older(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/*
 * --skip-existing: every output is a non-empty regular file, no older than
 * the input (make's rule). Outputs are written whole or not at all, so an
 * existing one is complete. Adds their sizes to *bytes.
 */
static int up_to_date(const char *input, const struct output_file *outs, int n, uint64_t *bytes)
{
    struct stat in, out;
    uint64_t total = 0;
    if (strcmp(input, "-") == 0 || stat(input, &in) != 0)
        return 0;
    for (int k = 0; k < n; k++) {
        if (stat(outs[k].path, &out) != 0 || !S_ISREG(out.st_mode) || out.st_size == 0 ||
            !not_older(&out.st_mtim, &in.st_mtim))
            return 0;
        total += (uint64_t)out.st_size;
    }
    *bytes = total;
    return 1;
}

static uint64_t output_bytes(const struct output_file *outs, int n)
{
    struct stat sb;
    uint64_t total = 0;
    for (int k = 0; k < n; k++) {
        if (stat(outs[k].path, &sb) == 0 && S_ISREG(sb.st_mode))
            total += (uint64_t)sb.st_size;
    }
    return total;
}

/* --verbose: "INPUT -> OUT1, OUT2 (12 ms)". */
static void verbose_line(const struct report_line *l)
{
    char *list = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&list, &size);
    if (!f)
        return;
    for (int k = 0; k < l->output_count; k++)
        fprintf(f, "%s%s", k ? ", " : "", l->outputs[k].path);
    fclose(f);
    if (l->status == FILE_OK)
        cli_info("%s -> %s (%.0f ms)", l->input, list, l->ms);
    else if (l->status == FILE_SKIPPED)
        cli_info("%s: skipped, up to date: %s", l->input, list);
    else
        cli_info("%s: failed (%.0f ms)", l->input, l->ms);
    free(list);
}

static void record(struct batch *b, const struct report_line *l, int rc)
{
    pthread_mutex_lock(&b->lock);
    b->done += l->status == FILE_OK;
    b->failed += l->status == FILE_FAILED;
    b->skipped += l->status == FILE_SKIPPED;
    if (b->worst == EXIT_OK)
        b->worst = rc;
    if (b->report && !b->report_failed)
        b->report_failed = report_write(b->report, b->o->batch.report, l) != 0;
    if (b->o->batch.verbose)
        verbose_line(l);
    progress_file_done(b->progress);
    pthread_mutex_unlock(&b->lock);
}

static void run_one(struct batch *b, convtool_pool *pool, size_t index)
{
    const struct apply_options *o = b->o;
    const struct output_file *outs = b->outputs + index * (size_t)b->per_input;
    struct report_line l = {.input = o->inputs[index],
                            .outputs = outs,
                            .output_count = b->per_input,
                            .status = FILE_OK,
                            .message = ""};
    double start = now_seconds();
    int rc = EXIT_OK;
    struct save_choice choice = {0};
    l.choice = &choice;
    pthread_mutex_lock(&b->lock);
    progress_file_started(b->progress, l.input);
    pthread_mutex_unlock(&b->lock);
    cli_clear_messages();
    if (o->batch.skip_existing && up_to_date(l.input, outs, b->per_input, &l.bytes)) {
        l.status = FILE_SKIPPED;
        l.message = "outputs up to date";
    } else {
        struct apply_job job = {.opts = o, .kernels = b->kernels, .kernel_count = o->kernel_count,
                                .pool = pool, .input = l.input, .outputs = outs,
                                .output_count = b->per_input, .choice = &choice};
        rc = make_parents(outs, b->per_input);
        apply_meta_clear_dropped();
        if (rc == EXIT_OK)
            rc = apply_run_file(&job);
        l.dropped = apply_meta_dropped();
        l.status = rc == EXIT_OK ? FILE_OK : FILE_FAILED;
        l.bytes = rc == EXIT_OK ? output_bytes(outs, b->per_input) : 0;
        l.message = rc == EXIT_OK ? cli_first_warning() : cli_first_error();
    }
    l.ms = (now_seconds() - start) * 1e3;
    record(b, &l, rc);
    if (rc != EXIT_OK && o->batch.fail_fast)
        atomic_store(&b->stop, 1);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    while (!atomic_load(&b->stop)) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->todo_count)
            break;
        run_one(b, w->pool, b->todo[i]);
    }
    return NULL;
}

/* This shard's inputs: by a hash of the first output's name relative to DIR. */
static int select_inputs(struct batch *b)
{
    const struct apply_options *o = b->o;
    b->todo = malloc(((size_t)o->input_count + 1) * sizeof *b->todo);
    if (!b->todo) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < o->input_count; i++) {
        const struct output_file *first = &b->outputs[(size_t)i * b->per_input];
        if (shard_owns(first->path + first->name_at, o->batch.shard_index, o->batch.shard_count))
            b->todo[b->todo_count++] = (size_t)i;
    }
    return EXIT_OK;
}

/* -J, or by default one file per -j thread; never more than the atomic writer's slots. */
static int file_jobs(const struct apply_options *o, size_t inputs)
{
    int jobs = !o->output_dir ? 1 : o->batch.jobs ? o->batch.jobs : o->threads;
    if (jobs > APPLY_MAX_JOBS)
        jobs = APPLY_MAX_JOBS;
    if ((size_t)jobs > inputs)
        jobs = inputs ? (int)inputs : 1;
    return jobs;
}

/*
 * Worker 0 is the calling thread. Everything else (file workers and every
 * pool's threads) is started with SIGINT/SIGTERM/SIGHUP blocked, so the
 * main thread's handler is the one that removes temp files and exits.
 */
static int start_workers(struct batch *b, struct worker *w, int jobs)
{
    const int threads = b->o->threads;
    sigset_t block, old;
    /* Workers never take a fatal signal: the main thread's handler cleans up. */
    cli_fatal_signal_set(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = EXIT_OK;
    for (int i = 0; i < jobs && rc == EXIT_OK; i++) {
        int mine = threads / jobs + (i < threads % jobs);
        w[i].b = b;
        if (convtool_pool_create(mine < 1 ? 1 : mine, &w[i].pool) != CONVTOOL_OK) {
            cli_error("cannot start %d threads", mine);
            rc = EXIT_RUNTIME;
        }
    }
    for (int i = 1; i < jobs && rc == EXIT_OK; i++) {
        if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
            break; /* fewer file workers only means less parallelism */
        w[i].running = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int run_workers(struct batch *b, int jobs)
{
    struct worker *w = calloc((size_t)jobs, sizeof *w);
    if (!w) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    int rc = start_workers(b, w, jobs);
    if (rc == EXIT_OK)
        worker_main(&w[0]);
    for (int i = 0; i < jobs; i++) {
        if (w[i].running)
            pthread_join(w[i].thread, NULL);
        convtool_pool_free(w[i].pool);
    }
    free(w);
    return rc;
}

static void print_summary(const struct batch *b, double seconds)
{
    const struct apply_options *o = b->o;
    size_t n = b->todo_count, not_started = n - b->done - b->failed - b->skipped;
    char shard[96] = "", stopped[64] = "";
    if (o->batch.shard_count)
        snprintf(shard, sizeof shard, " (shard %d/%d of %d inputs)", o->batch.shard_index,
                 o->batch.shard_count, o->input_count);
    if (not_started)
        snprintf(stopped, sizeof stopped, ", %zu not started (--fail-fast)", not_started);
    cli_info("%zu input%s%s: %zu done, %zu failed, %zu skipped%s, %.1f s", n, n == 1 ? "" : "s",
             shard, b->done, b->failed, b->skipped, stopped, seconds);
}

static int report_conflicts(const struct batch *b)
{
    const char *report = b->o->batch.report;
    if (!report || strcmp(report, "-") != 0 || b->o->output_dir)
        return EXIT_OK;
    for (int k = 0; k < b->per_input; k++) {
        if (strcmp(b->outputs[k].path, "-") == 0) {
            cli_error("apply: --report - and the image cannot both go to stdout");
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Batch warnings were counted, not printed: one line for all of them. */
static void print_warnings(void)
{
    const char *first;
    size_t n = cli_deferred_warnings(&first);
    cli_defer_warnings = 0;
    if (n == 1)
        cli_warn("%s", first);
    else if (n > 1)
        cli_warn("%zu warnings (--verbose prints each, --report records them); the first: %s", n,
                 first);
}

static int finish(struct batch *b, int rc, double start)
{
    const struct apply_options *o = b->o;
    print_warnings();
    if (o->output_dir && rc == EXIT_OK)
        print_summary(b, now_seconds() - start);
    int report_rc = b->report ? report_close(b->report, o->batch.report) : EXIT_OK;
    if (rc == EXIT_OK)
        rc = !o->output_dir ? b->worst : b->failed ? EXIT_RUNTIME : EXIT_OK;
    return rc == EXIT_OK ? report_rc : rc;
}

int batch_run(const struct apply_options *o, const struct prepared_kernel *kernels,
              const struct output_file *outputs, int per_input)
{
    struct batch b = {.o = o, .kernels = kernels, .outputs = outputs, .per_input = per_input};
    double start = now_seconds();
    int rc = report_conflicts(&b);
    if (rc == EXIT_OK)
        rc = select_inputs(&b);
    if (rc == EXIT_OK && o->batch.report)
        rc = report_open(o->batch.report, &b.report);
    if (rc == EXIT_OK) {
        enum progress_mode mode = o->batch.progress;
        int tty = isatty(STDERR_FILENO);
        if (o->output_dir && !cli_quiet && (mode == PROGRESS_ON || (mode == PROGRESS_AUTO && tty)))
            b.progress = progress_start(b.todo_count, tty);
        pthread_mutex_init(&b.lock, NULL);
        cli_defer_warnings = o->output_dir && !o->batch.verbose;
        rc = run_workers(&b, file_jobs(o, b.todo_count));
        progress_finish(b.progress);
        pthread_mutex_destroy(&b.lock);
    }
    if (rc == EXIT_OK || b.report)
        rc = finish(&b, rc, start);
    cli_defer_warnings = 0;
    free(b.todo);
    return rc;
}
