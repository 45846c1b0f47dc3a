/* Fork-join pool: see include/nnz_parallel.h. */
#include "nnz_parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define NNZ_MAX_WORKERS 7
/* How long a worker keeps polling for the next job before it sleeps. */
#define NNZ_SPIN_NANOSECONDS 200000LL

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static int worker_count = 0;

/*
 * Jobs live in two slots, chosen by the parity of `generation`. A worker that saw generation g
 * pins slot g&1 (users++) and then re-checks that generation is still g before reading it;
 * the submitter waits for a slot's users to drop to zero before rewriting it, which happens
 * only once generation has moved past g. So no worker ever reads a slot being rewritten.
 */
typedef struct {
    nnz_task_fn fn;
    void *context;
    int count;
    atomic_int next;
    atomic_int done;
    atomic_int users;
} job_slot;

static job_slot slots[2];
static _Atomic unsigned long generation = 0;
static atomic_int sleepers;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Claims and runs tasks of a job until none are left. */
static void work(job_slot *job) {
    for (;;) {
        int index = atomic_fetch_add(&job->next, 1);
        if (index >= job->count) return;
        job->fn(job->context, index);
        atomic_fetch_add(&job->done, 1);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    unsigned long seen = atomic_load_explicit(&generation, memory_order_acquire);
    for (;;) {
        /* Spin briefly for the next job, then sleep until one is published. */
        long long deadline = now_ns() + NNZ_SPIN_NANOSECONDS;
        unsigned long current;
        int polls = 0;
        while ((current = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            cpu_relax();
            if (++polls % 64 == 0 && now_ns() > deadline) {
                pthread_mutex_lock(&sleep_lock);
                atomic_fetch_add(&sleepers, 1);
                while ((current = atomic_load_explicit(&generation, memory_order_acquire)) == seen)
                    pthread_cond_wait(&sleep_cond, &sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&sleep_lock);
                break;
            }
        }
        seen = current;
        job_slot *job = &slots[current & 1];
        atomic_fetch_add(&job->users, 1);
        if (atomic_load(&generation) == current) work(job);
        atomic_fetch_sub(&job->users, 1);
    }
    return NULL;
}

static void start_pool(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int wanted = online > 1 ? (int)online - 1 : 0;
    if (wanted > NNZ_MAX_WORKERS) wanted = NNZ_MAX_WORKERS;
    for (int i = 0; i < wanted; i++) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attr, worker_main, NULL) == 0) worker_count++;
        pthread_attr_destroy(&attr);
    }
}

int nnz_parallel_threads(void) {
    pthread_once(&pool_once, start_pool);
    return worker_count + 1;
}

void nnz_parallel_run(int count, nnz_task_fn fn, void *context) {
    if (count <= 0) return;
    pthread_once(&pool_once, start_pool);
    if (count == 1 || worker_count == 0 || pthread_mutex_trylock(&submit_lock) != 0) {
        for (int i = 0; i < count; i++) fn(context, i);
        return;
    }
    unsigned long next_generation = atomic_load(&generation) + 1;
    job_slot *job = &slots[next_generation & 1];
    while (atomic_load(&job->users) > 0) cpu_relax(); /* a late worker of an old job */
    job->fn = fn;
    job->context = context;
    job->count = count;
    atomic_store(&job->next, 0);
    atomic_store(&job->done, 0);
    atomic_store(&generation, next_generation); /* publishes the job */
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    work(job);
    while (atomic_load(&job->done) < count) cpu_relax();
    pthread_mutex_unlock(&submit_lock);
}
