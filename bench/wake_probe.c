// Wake-up lateness of a thread sleeping 1 ms at a time while K other threads of the same process keep the CPUs busy
// (the README's event-loop row: is plain CPU saturation what delays Node's event loop?).
//   cc -O2 -o /tmp/wake_probe bench/wake_probe.c -lpthread && /tmp/wake_probe 2        (K = 0, 1, 2; add "batch"
//   to run the busy threads as SCHED_BATCH). Prints p50 / p99 / max lateness over 4000 sleeps.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static volatile int stop;
static int batch;
static void *busy(void *a) {
  (void)a;
  if (batch) { struct sched_param p = {0}; if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &p)) perror("batch"); }
  volatile unsigned x = 1; while (!stop) for (int i = 0; i < 100000; i++) x = x * 1103515245u + 12345u;
  return NULL;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
  int k = atoi(argv[1]); batch = argc > 2 && !strcmp(argv[2], "batch");
  pthread_t t[8]; for (int i = 0; i < k; i++) pthread_create(&t[i], NULL, busy, NULL);
  enum { N = 4000 }; static double late[N];
  struct timespec d = {0, 1000000};
  for (int i = 0; i < N; i++) { double t0 = now(); nanosleep(&d, NULL); late[i] = now() - t0 - 1.0; }
  stop = 1; for (int i = 0; i < k; i++) pthread_join(t[i], NULL);
  qsort(late, N, sizeof *late, cmp);
  printf("busy=%d %s: p50 %.3f p99 %.3f max %.3f ms\n", k, batch ? "BATCH" : "OTHER", late[N/2], late[N*99/100], late[N-1]);
}
