// Shared helpers of the jointly native addon: argument access without copies.
#pragma once
#include <napi.h>
#include <signal.h>
#include <cstdint>
#include <string>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

// One build for every x86-64 CPU: a hot loop marked JOINTLY_CLONES is compiled for AVX-512, AVX2
// and baseline SSE2, and the loader picks the best the CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define JOINTLY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define JOINTLY_CLONES
#endif

namespace jointly {

// The data of a Float32Array argument (no copy: a pointer into the JS-owned buffer).
inline float* F32(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>().Data();
}

// The length of a Float32Array argument.
inline size_t Len(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::TypedArray>().ElementLength(); }

inline int64_t I(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
inline double D(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
inline bool B(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

// Elements per thread below which a loop stays on one thread (thread start-up costs more).
constexpr int64_t kParallelGrain = 1 << 15;

// Window visits (outputs × window size) below which a pooling loop stays on one thread. Measured on
// a 2-core VM at JOINTLY_THREADS=2: the CNN's first pool (0.8M visits) took 0.6 ms on two threads
// inside a training step against 0.25 ms on one when the second thread slept between regions;
// with libgomp's short spin LeNet's step still ran 2.1-2.2 ms with this bound against 2.3-2.4
// with 4 grains; at 3.2M visits two threads win, 0.69 vs 1.31 ms.
constexpr int64_t kParallelPoolWork = int64_t{1} << 21;

// The thread count set by setThreads (JOINTLY_THREADS), for kernels that pick fewer threads on small inputs.
int ConfiguredThreads();

// Runs OpenBLAS on one thread for the scope (small products lose more to thread hand-off than they gain).
class OpenblasThreads {
 public:
  explicit OpenblasThreads(bool single);
  ~OpenblasThreads();
  OpenblasThreads(const OpenblasThreads&) = delete;
  OpenblasThreads& operator=(const OpenblasThreads&) = delete;

 private:
  bool changed_;
};

// While alive, the addon's OpenMP loops and oneDNN run on one thread when `single` (and more than
// one is configured); restores the configured count after.
class OmpThreads {
 public:
  explicit OmpThreads(bool single);
  ~OmpThreads();
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  bool changed_;
};

// While alive, the calling thread flushes subnormal results to zero and reads subnormal inputs as
// zero (MXCSR's FTZ and DAZ bits, as TensorFlow's CPU kernels run), restoring its mode after. An
// Adam moment of a weight whose gradient stays zero (an MNIST border pixel's) decays through the
// subnormal range, where every operation on it is several times slower: measured here, Adam over
// 200,704 subnormal floats 0.51 ms against 0.18 ms. The values flushed are below 1.2e-38.
class FlushDenormals {
 public:
#if defined(__SSE__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtzDaz); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
#else
  FlushDenormals() {}
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

#if defined(__SSE__)
 private:
  static constexpr unsigned kFtzDaz = 0x8040;
  unsigned saved_;
#endif
};

// While alive, the calling thread holds back asynchronous signals (a profiler's SIGPROF, SIGINT,
// SIGTERM, SIGCHLD, SIGWINCH, SIGUSR1/2: whatever a Node program has a handler for); the kernel
// delivers them when it ends. Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) are not
// held. Why: oneDNN's generated f32 GEMM kernels, behind dnnl_sgemm and the gemm-based primitives,
// point the stack pointer into a heap buffer while they run (oneDNN issue #4845, fixed in 3.11.2;
// Debian ships 2.6.3), so a signal handler that runs then writes its frame over the heap. Measured
// here: `node --cpu-prof` aborted with "corrupted size vs. prev_size" within 0.2 s of sgemm calls,
// and a process with a SIGUSR2 handler, sent SIGUSR2 while it multiplied on two threads,
// segfaulted. A pair of mask changes costs 0.3 us. OpenMP threads take the mask of the thread that
// starts them, and they are only started inside the addon's calls, so they hold signals back for
// good; oneDNN's kernels also run on them.
class DeferSignals {
 public:
  DeferSignals();
  ~DeferSignals();
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;

 private:
  sigset_t saved_;
};

// An addon function run with signals deferred (DeferSignals).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value WithSignalsDeferred(const Napi::CallbackInfo& info) {
  DeferSignals deferred;
  return F(info);
}

// Exports F as `name`; every addon function is exported this way.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void Export(Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(exports.Env(), WithSignalsDeferred<F>, name));
}

// Activations shared by the fused kernels (same codes as src/engine/native/addon.ts).
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kSigmoid = 4, kLeakyRelu = 5, kTanh = 6 };

// Applies an activation in place.
void ApplyActivation(float* y, int64_t n, int act, float alpha);

void InitGemm(Napi::Object exports);
void InitConv(Napi::Object exports);
void InitPool(Napi::Object exports);
void InitElementwise(Napi::Object exports);
void InitReduce(Napi::Object exports);
void InitOptimizer(Napi::Object exports);
void InitTrain(Napi::Object exports);
void InitAggregate(Napi::Object exports);
void InitLoss(Napi::Object exports);

}  // namespace jointly
