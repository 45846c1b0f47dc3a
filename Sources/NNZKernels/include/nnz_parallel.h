/*
 * nnz_parallel.h: a tiny fork-join pool for splitting one batch across cores.
 *
 * Why not Dispatch: waking a parked thread costs 40-60 us on this kind of machine, as much as
 * the whole batch-1024 forward pass of a small MLP. Workers here spin for a short, bounded
 * time after each job (so back-to-back batches hand over in well under a microsecond), then
 * sleep on a condition variable: they never spin while idle for long.
 */
#ifndef NNZ_PARALLEL_H
#define NNZ_PARALLEL_H

#ifdef __cplusplus
extern "C" {
#endif

/** A task body: runs task `index` (0 <= index < count) of the job with `context`. */
typedef void (*nnz_task_fn)(void *context, int index);

/**
 * Runs tasks 0..count-1, on the calling thread and up to (online cores - 1) pool workers,
 * and returns when all are done. Tasks are claimed dynamically, so any task may run on any
 * thread. If another thread is already using the pool, the caller runs every task itself
 * (correct, just not parallel). count <= 1 runs inline without touching the pool.
 */
void nnz_parallel_run(int count, nnz_task_fn fn, void *context);

/** Number of threads a job can use (pool workers + the caller). */
int nnz_parallel_threads(void);

#ifdef __cplusplus
}
#endif
#endif
