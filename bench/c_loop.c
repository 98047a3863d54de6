// The C loop: the physical limit for any binding of libtensorflowlite_c. Does what the addon does per call —
// copy the input in (memcpy into the tensor's buffer), TfLiteInterpreterInvoke, copy the output out (memcpy) —
// with the interpreter set up the way native/interpreter.cc sets it up: TfLiteInterpreterOptionsSetNumThreads,
// an error reporter, cancellation enabled, then XNNPACK applied after creation with
// TfLiteXNNPackDelegateCreate({num_threads, flags = QS8|QU8}) + TfLiteInterpreterModifyGraphWithDelegate.
//
// Built by bench/run.js:  cc -O2 -o bench/.cache/c_loop bench/c_loop.c -I<tflite headers> -DHAVE_TFLITE_HEADERS
//                         -Lprebuilds/linux-x64 -ltensorflowlite_c -Wl,-rpath,<that dir>
// (without the headers it compiles against the few 2.14.1 declarations below).
//
// One-shot:  c_loop MODEL [--threads N] [--xnnpack 0|1] [--iters N] [--batch B] [--warmup W]
//            prints {"median_us", "p90_us", "us": [per-call time of each sample]}
// Server (used by run.js; no arguments): one command per stdin line, one JSON line back:
//   load ID THREADS XNNPACK PATH      -> {"ok":true,"loadUs":..,"allocUs":..,"xnnpack":bool,...}
//   run ID VARIANT ITERS BATCH WARMUP -> {"ok":true,"us":[...]}   VARIANT: full (copy in, invoke, copy out) | invoke
//                                        | handoff (full, but the invoke runs on a second thread: the caller hands it
//                                          over and sleeps until it is done, as a thread pool / invokeAsync does)
//   free ID | quit
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_TFLITE_HEADERS
#include "tensorflow/lite/c/c_api.h"
#include "tensorflow/lite/c/c_api_experimental.h"
#include "tensorflow/lite/delegates/xnnpack/xnnpack_delegate.h"
#else
// The subset of the TFLite 2.14.1 C API used here (tensorflow/lite/core/c/c_api.h, xnnpack_delegate.h).
typedef enum { kTfLiteOk = 0 } TfLiteStatus;
typedef enum { kTfLiteFloat32 = 1, kTfLiteUInt8 = 3, kTfLiteInt8 = 9 } TfLiteType;
typedef struct TfLiteModel TfLiteModel;
typedef struct TfLiteInterpreterOptions TfLiteInterpreterOptions;
typedef struct TfLiteInterpreter TfLiteInterpreter;
typedef struct TfLiteTensor TfLiteTensor;
typedef struct TfLiteDelegate TfLiteDelegate;
typedef struct {
  int32_t num_threads;
  uint32_t flags;
  struct TfLiteXNNPackDelegateWeightsCache* weights_cache;
  _Bool handle_variable_ops;
} TfLiteXNNPackDelegateOptions;
#define TFLITE_XNNPACK_DELEGATE_FLAG_QS8 0x00000001
#define TFLITE_XNNPACK_DELEGATE_FLAG_QU8 0x00000002
extern TfLiteModel* TfLiteModelCreateFromFile(const char*);
extern void TfLiteModelDelete(TfLiteModel*);
extern TfLiteInterpreterOptions* TfLiteInterpreterOptionsCreate(void);
extern void TfLiteInterpreterOptionsDelete(TfLiteInterpreterOptions*);
extern void TfLiteInterpreterOptionsSetNumThreads(TfLiteInterpreterOptions*, int32_t);
extern void TfLiteInterpreterOptionsSetErrorReporter(TfLiteInterpreterOptions*,
                                                     void (*)(void*, const char*, va_list), void*);
extern TfLiteStatus TfLiteInterpreterOptionsEnableCancellation(TfLiteInterpreterOptions*, _Bool);
extern TfLiteInterpreter* TfLiteInterpreterCreate(const TfLiteModel*, const TfLiteInterpreterOptions*);
extern void TfLiteInterpreterDelete(TfLiteInterpreter*);
extern TfLiteStatus TfLiteInterpreterModifyGraphWithDelegate(TfLiteInterpreter*, TfLiteDelegate*);
extern TfLiteStatus TfLiteInterpreterAllocateTensors(TfLiteInterpreter*);
extern TfLiteStatus TfLiteInterpreterInvoke(TfLiteInterpreter*);
extern int32_t TfLiteInterpreterGetInputTensorCount(const TfLiteInterpreter*);
extern int32_t TfLiteInterpreterGetOutputTensorCount(const TfLiteInterpreter*);
extern TfLiteTensor* TfLiteInterpreterGetInputTensor(const TfLiteInterpreter*, int32_t);
extern const TfLiteTensor* TfLiteInterpreterGetOutputTensor(const TfLiteInterpreter*, int32_t);
extern TfLiteType TfLiteTensorType(const TfLiteTensor*);
extern size_t TfLiteTensorByteSize(const TfLiteTensor*);
extern void* TfLiteTensorData(const TfLiteTensor*);
extern TfLiteXNNPackDelegateOptions TfLiteXNNPackDelegateOptionsDefault(void);
extern TfLiteDelegate* TfLiteXNNPackDelegateCreate(const TfLiteXNNPackDelegateOptions*);
extern void TfLiteXNNPackDelegateDelete(TfLiteDelegate*);
#endif

#define MAX_IO 16
#define MAX_SLOTS 1024

typedef struct {
  int used;
  TfLiteModel* model;
  TfLiteInterpreterOptions* options;
  TfLiteInterpreter* interpreter;
  TfLiteDelegate* xnnpack;
  int inputs, outputs;
  void* in_src[MAX_IO];   // caller-side input data, copied in every call
  size_t in_bytes[MAX_IO];
  void* out_dst[MAX_IO];  // caller-side output buffers, copied out every call
  size_t out_bytes[MAX_IO];
} Slot;

static Slot slots[MAX_SLOTS];
static char last_error[512];

static void reporter(void* user, const char* format, va_list args) {
  (void)user;
  vsnprintf(last_error, sizeof last_error, format, args);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// The same deterministic input pattern bench/engines use: floats in [-1, 1], bytes cycling.
static void fill(void* dst, size_t bytes, TfLiteType type) {
  if (type == kTfLiteFloat32) {
    float* f = (float*)dst;
    for (size_t i = 0; i < bytes / 4; ++i) f[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
  } else {
    uint8_t* b = (uint8_t*)dst;
    for (size_t i = 0; i < bytes; ++i) b[i] = (uint8_t)((i * 31) & 0xff);
  }
}

static void free_slot(Slot* s) {
  if (s->interpreter) TfLiteInterpreterDelete(s->interpreter);
  if (s->xnnpack) TfLiteXNNPackDelegateDelete(s->xnnpack);
  if (s->options) TfLiteInterpreterOptionsDelete(s->options);
  if (s->model) TfLiteModelDelete(s->model);
  for (int i = 0; i < s->inputs; ++i) free(s->in_src[i]);
  for (int i = 0; i < s->outputs; ++i) free(s->out_dst[i]);
  memset(s, 0, sizeof *s);
}

// Returns NULL on success, else an error message.
static const char* load(Slot* s, const char* path, int threads, int xnnpack, double* load_us, double* alloc_us,
                        int* delegated) {
  last_error[0] = 0;
  double t0 = now_us();
  s->model = TfLiteModelCreateFromFile(path);
  if (!s->model) return "TfLiteModelCreateFromFile failed";
  s->options = TfLiteInterpreterOptionsCreate();
  TfLiteInterpreterOptionsSetNumThreads(s->options, threads);
  TfLiteInterpreterOptionsSetErrorReporter(s->options, reporter, NULL);
  TfLiteInterpreterOptionsEnableCancellation(s->options, 1);
  s->interpreter = TfLiteInterpreterCreate(s->model, s->options);
  if (!s->interpreter) return "TfLiteInterpreterCreate failed";
  *delegated = 0;
  if (xnnpack) {
    TfLiteXNNPackDelegateOptions o = TfLiteXNNPackDelegateOptionsDefault();
    o.num_threads = threads < 1 ? 1 : threads;
    o.flags |= TFLITE_XNNPACK_DELEGATE_FLAG_QS8 | TFLITE_XNNPACK_DELEGATE_FLAG_QU8;
    s->xnnpack = TfLiteXNNPackDelegateCreate(&o);
    if (s->xnnpack && TfLiteInterpreterModifyGraphWithDelegate(s->interpreter, s->xnnpack) == kTfLiteOk) {
      *delegated = 1;
    }
  }
  double t1 = now_us();
  if (TfLiteInterpreterAllocateTensors(s->interpreter) != kTfLiteOk) return "TfLiteInterpreterAllocateTensors failed";
  double t2 = now_us();
  *load_us = t1 - t0;
  *alloc_us = t2 - t1;
  s->inputs = TfLiteInterpreterGetInputTensorCount(s->interpreter);
  s->outputs = TfLiteInterpreterGetOutputTensorCount(s->interpreter);
  if (s->inputs > MAX_IO || s->outputs > MAX_IO) return "too many inputs/outputs";
  for (int i = 0; i < s->inputs; ++i) {
    const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(s->interpreter, i);
    s->in_bytes[i] = TfLiteTensorByteSize(t);
    s->in_src[i] = malloc(s->in_bytes[i] ? s->in_bytes[i] : 1);
    fill(s->in_src[i], s->in_bytes[i], TfLiteTensorType(t));
  }
  for (int i = 0; i < s->outputs; ++i) {
    const TfLiteTensor* t = TfLiteInterpreterGetOutputTensor(s->interpreter, i);
    s->out_bytes[i] = TfLiteTensorByteSize(t);
    s->out_dst[i] = malloc(s->out_bytes[i] ? s->out_bytes[i] : 1);
  }
  return NULL;
}

// One call. Tensor pointers are looked up each call, as the addon's views are only valid per allocation.
static inline int call_full(Slot* s) {
  TfLiteInterpreter* it = s->interpreter;
  for (int i = 0; i < s->inputs; ++i) {
    memcpy(TfLiteTensorData(TfLiteInterpreterGetInputTensor(it, i)), s->in_src[i], s->in_bytes[i]);
  }
  if (TfLiteInterpreterInvoke(it) != kTfLiteOk) return -1;
  for (int i = 0; i < s->outputs; ++i) {
    memcpy(s->out_dst[i], TfLiteTensorData(TfLiteInterpreterGetOutputTensor(it, i)), s->out_bytes[i]);
  }
  return 0;
}

static inline int call_invoke(Slot* s) { return TfLiteInterpreterInvoke(s->interpreter) == kTfLiteOk ? 0 : -1; }

// The handoff: one worker thread that runs invokes it is given; the caller blocks on a condition variable meanwhile
// (futex sleeps on both sides, like libuv's worker queue and the event loop's wait).
static struct {
  pthread_mutex_t mutex;
  pthread_cond_t wake, done;
  pthread_t thread;
  int started, pending, finished, status;
  Slot* slot;
} worker = {.mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static void* worker_main(void* arg) {
  (void)arg;
  pthread_mutex_lock(&worker.mutex);
  for (;;) {
    while (!worker.pending) pthread_cond_wait(&worker.wake, &worker.mutex);
    worker.pending = 0;
    Slot* s = worker.slot;
    pthread_mutex_unlock(&worker.mutex);
    int status = TfLiteInterpreterInvoke(s->interpreter) == kTfLiteOk ? 0 : -1;
    pthread_mutex_lock(&worker.mutex);
    worker.status = status;
    worker.finished = 1;
    pthread_cond_signal(&worker.done);
  }
  return NULL;
}

static int call_handoff(Slot* s) {
  TfLiteInterpreter* it = s->interpreter;
  if (!worker.started) {
    pthread_create(&worker.thread, NULL, worker_main, NULL);
    worker.started = 1;
  }
  for (int i = 0; i < s->inputs; ++i) {
    memcpy(TfLiteTensorData(TfLiteInterpreterGetInputTensor(it, i)), s->in_src[i], s->in_bytes[i]);
  }
  pthread_mutex_lock(&worker.mutex);
  worker.slot = s;
  worker.finished = 0;
  worker.pending = 1;
  pthread_cond_signal(&worker.wake);
  while (!worker.finished) pthread_cond_wait(&worker.done, &worker.mutex);
  int status = worker.status;
  pthread_mutex_unlock(&worker.mutex);
  if (status != 0) return -1;
  for (int i = 0; i < s->outputs; ++i) {
    memcpy(s->out_dst[i], TfLiteTensorData(TfLiteInterpreterGetOutputTensor(it, i)), s->out_bytes[i]);
  }
  return 0;
}

enum { FULL, INVOKE, HANDOFF };
static inline int call(Slot* s, int variant) {
  return variant == FULL ? call_full(s) : variant == INVOKE ? call_invoke(s) : call_handoff(s);
}

static int measure(Slot* s, int variant, int iters, int batch, int warmup, double* out) {
  for (int w = 0; w < warmup; ++w) {
    for (int b = 0; b < batch; ++b) {
      if (call(s, variant) != 0) return -1;
    }
  }
  for (int i = 0; i < iters; ++i) {
    double t0 = now_us();
    if (variant == FULL) {
      for (int b = 0; b < batch; ++b) if (call_full(s) != 0) return -1;
    } else if (variant == INVOKE) {
      for (int b = 0; b < batch; ++b) if (call_invoke(s) != 0) return -1;
    } else {
      for (int b = 0; b < batch; ++b) if (call_handoff(s) != 0) return -1;
    }
    out[i] = (now_us() - t0) / batch;
  }
  return 0;
}

static void print_samples(const double* us, int n) {
  printf("[");
  for (int i = 0; i < n; ++i) printf(i ? ",%.4f" : "%.4f", us[i]);
  printf("]");
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static void json_string(const char* s) {
  putchar('"');
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') putchar('\\');
    putchar((unsigned char)*s < 0x20 ? ' ' : *s);
  }
  putchar('"');
}

static void fail(const char* what) {
  printf("{\"ok\":false,\"error\":");
  json_string(what);
  if (last_error[0]) {
    printf(",\"tflite\":");
    json_string(last_error);
  }
  printf("}\n");
  fflush(stdout);
}

static int serve(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    char cmd[16] = {0};
    int id = -1, n = 0;
    if (sscanf(line, "%15s %d%n", cmd, &id, &n) < 1) continue;
    if (strcmp(cmd, "quit") == 0) break;
    if (id < 0 || id >= MAX_SLOTS) { fail("bad id"); continue; }
    Slot* s = &slots[id];
    if (strcmp(cmd, "load") == 0) {
      int threads = 1, xnn = 1, m = 0;
      if (sscanf(line + n, "%d %d %n", &threads, &xnn, &m) < 2) { fail("usage: load ID THREADS XNNPACK PATH"); continue; }
      if (s->used) free_slot(s);
      s->used = 1;
      double load_us = 0, alloc_us = 0;
      int delegated = 0;
      const char* err = load(s, line + n + m, threads, xnn, &load_us, &alloc_us, &delegated);
      if (err) { fail(err); free_slot(s); continue; }
      printf("{\"ok\":true,\"loadUs\":%.1f,\"allocUs\":%.1f,\"xnnpack\":%s,\"inputs\":%d,\"outputs\":%d}\n", load_us,
             alloc_us, delegated ? "true" : "false", s->inputs, s->outputs);
    } else if (strcmp(cmd, "run") == 0) {
      char variant[16] = {0};
      int iters = 0, batch = 1, warmup = 0;
      if (!s->used) { fail("not loaded"); continue; }
      if (sscanf(line + n, "%15s %d %d %d", variant, &iters, &batch, &warmup) < 3 || iters < 1 || batch < 1) {
        fail("usage: run ID full|invoke|handoff ITERS BATCH [WARMUP]");
        continue;
      }
      double* us = malloc(sizeof(double) * iters);
      int v = strcmp(variant, "invoke") == 0 ? INVOKE : strcmp(variant, "handoff") == 0 ? HANDOFF : FULL;
      if (measure(s, v, iters, batch, warmup, us) != 0) {
        fail("TfLiteInterpreterInvoke failed");
      } else {
        printf("{\"ok\":true,\"us\":");
        print_samples(us, iters);
        printf("}\n");
      }
      free(us);
    } else if (strcmp(cmd, "free") == 0) {
      if (s->used) free_slot(s);
      printf("{\"ok\":true}\n");
    } else {
      fail("unknown command");
    }
    fflush(stdout);
  }
  for (int i = 0; i < MAX_SLOTS; ++i) if (slots[i].used) free_slot(&slots[i]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return serve();
  const char* path = NULL;
  int threads = 1, xnn = 1, iters = 100, batch = 1, warmup = 5, variant = FULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--xnnpack") == 0 && i + 1 < argc) xnn = atoi(argv[++i]);
    else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) iters = atoi(argv[++i]);
    else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) batch = atoi(argv[++i]);
    else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
    else if (strcmp(argv[i], "--invoke-only") == 0) variant = INVOKE;
    else if (strcmp(argv[i], "--handoff") == 0) variant = HANDOFF;
    else path = argv[i];
  }
  if (!path || iters < 1 || batch < 1) {
    fprintf(stderr, "usage: %s MODEL [--threads N] [--xnnpack 0|1] [--iters N] [--batch B] [--warmup W] "
            "[--invoke-only | --handoff]\n",
            argv[0]);
    return 2;
  }
  Slot* s = &slots[0];
  double load_us, alloc_us;
  int delegated;
  const char* err = load(s, path, threads, xnn, &load_us, &alloc_us, &delegated);
  if (err) { fail(err); return 1; }
  double* us = malloc(sizeof(double) * iters);
  if (measure(s, variant, iters, batch, warmup, us) != 0) { fail("TfLiteInterpreterInvoke failed"); return 1; }
  double* sorted = malloc(sizeof(double) * iters);
  memcpy(sorted, us, sizeof(double) * iters);
  qsort(sorted, iters, sizeof(double), cmp_double);
  printf("{\"model\":");
  json_string(path);
  printf(",\"threads\":%d,\"xnnpack\":%s,\"loadUs\":%.1f,\"allocUs\":%.1f,\"median_us\":%.4f,\"p90_us\":%.4f,\"us\":", threads,
         delegated ? "true" : "false", load_us, alloc_us, sorted[iters / 2], sorted[(int)(iters * 0.9)]);
  print_samples(us, iters);
  printf("}\n");
  free(us);
  free(sorted);
  free_slot(s);
  return 0;
}
