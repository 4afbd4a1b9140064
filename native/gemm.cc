// Batched matrix multiply with fused bias and activation, on oneDNN's sgemm (by default) or
// OpenBLAS's: setGemm picks the library for the process.
//
// oneDNN's sgemm generates its kernels for the CPU it runs on (AVX-512 here), while Debian's
// OpenBLAS 0.3.21 runs the kernel family OPENBLAS_CORETYPE names or it detects. Measured on one
// core of an AVX-512 machine with OPENBLAS_CORETYPE=Haswell, on the MLP's step products
// (128x784x256 and the like): oneDNN 208-229 GFLOP/s, OpenBLAS 100-109.
#include <cmath>
#include <dnnl.h>
#include <string>
#include "common.h"

extern "C" {
enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };
void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
}

namespace jointly {

void ApplyActivation(float* y, int64_t n, int act, float alpha) {
  switch (act) {
    case kLinear:
      return;
    case kRelu:
#pragma omp parallel for if (n > 4 * kParallelGrain)
      for (int64_t i = 0; i < n; i++) y[i] = y[i] < 0.f ? 0.f : y[i];
      return;
    case kRelu6:
      for (int64_t i = 0; i < n; i++) y[i] = std::fmin(std::fmax(y[i], 0.f), 6.f);
      return;
    case kElu:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] >= 0.f ? y[i] : std::expm1(y[i]);
      return;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) y[i] = 1.f / (1.f + std::exp(-y[i]));
      return;
    case kLeakyRelu:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] >= 0.f ? y[i] : alpha * y[i];
      return;
    case kTanh:
      for (int64_t i = 0; i < n; i++) y[i] = std::tanh(y[i]);
      return;
  }
}

namespace {

enum class Gemm { kOnednn, kOpenblas };
Gemm gemm = Gemm::kOnednn;

// Multiply-accumulates below which one sgemm runs on one thread (measured: OpenBLAS's thread
// hand-off costs more than it saves on the dense layers of the reference models below this).
constexpr int64_t kSmallGemm = int64_t{1} << 22;

// The same bound for oneDNN's sgemm, whose threads are OpenMP's and sleep between regions
// (OMP_WAIT_POLICY=PASSIVE): measured on a 2-core VM at JOINTLY_THREADS=2, the MLP's step (products
// of up to 25.7M multiply-accumulates) ran at 62,792 samples/s with products above 2^22 on two
// threads, below its 95,309 on one thread, each product paying the second thread's wake-up.
constexpr int64_t kSmallOnednnGemm = int64_t{1} << 25;

// matmul(a, b, c, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bias|null, act, alpha)
// c[batch, m, n] = op(a)[m, k] * op(b)[k, n] (+ bias[n]), a batch stride of 0 broadcasts.
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const float* a = F32(info, 0);
  const float* b = F32(info, 1);
  float* c = F32(info, 2);
  const int64_t batch = I(info, 3), m = I(info, 4), n = I(info, 5), k = I(info, 6);
  const bool ta = B(info, 7), tb = B(info, 8);
  const int64_t sa = I(info, 9), sb = I(info, 10);
  const float* bias = info[11].IsNull() ? nullptr : F32(info, 11);
  const int act = static_cast<int>(I(info, 12));
  const float alpha = static_cast<float>(D(info, 13));
  const int lda = static_cast<int>(ta ? m : k), ldb = static_cast<int>(tb ? k : n);
  const bool small = m * n * k < (gemm == Gemm::kOnednn ? kSmallOnednnGemm : kSmallGemm);
  OpenblasThreads openblasThreads(gemm == Gemm::kOpenblas && small);
  OmpThreads ompThreads(gemm == Gemm::kOnednn && small);
  for (int64_t i = 0; i < batch; i++) {
    float* ci = c + i * m * n;
    float beta = 0.f;
    if (bias != nullptr) {
      for (int64_t r = 0; r < m; r++) std::copy(bias, bias + n, ci + r * n);
      beta = 1.f;
    }
    if (k == 0) {
      if (bias == nullptr) std::fill(ci, ci + m * n, 0.f);
    } else if (gemm == Gemm::kOnednn) {
      // Row-major, as cblas_sgemm with CblasRowMajor.
      const dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, a + i * sa, lda, b + i * sb, ldb, beta, ci, n);
      if (status != dnnl_success) {
        throw Napi::Error::New(info.Env(), "oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
      }
    } else {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
                  static_cast<int>(n), static_cast<int>(k), 1.f, a + i * sa, lda, b + i * sb, ldb, beta, ci,
                  static_cast<int>(n));
    }
  }
  ApplyActivation(c, batch * m * n, act, alpha);
  return info.Env().Undefined();
}

// setGemm(name): 'onednn' or 'openblas', the sgemm of every later matMul.
Napi::Value SetGemm(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name == "onednn") {
    gemm = Gemm::kOnednn;
  } else if (name == "openblas") {
    gemm = Gemm::kOpenblas;
  } else {
    throw Napi::TypeError::New(info.Env(), "gemm must be 'onednn' or 'openblas', got '" + name + "'");
  }
  return info.Env().Undefined();
}

Napi::Value GetGemm(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), gemm == Gemm::kOnednn ? "onednn" : "openblas");
}

}  // namespace

void InitGemm(Napi::Object exports) {
  Export<MatMul>(exports, "matMul");
  Export<SetGemm>(exports, "setGemm");
  Export<GetGemm>(exports, "getGemm");
}

}  // namespace jointly
