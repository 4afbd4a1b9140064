// Fused optimizer updates: the arithmetic of tfjs's Adam and momentum optimizers in one pass.
#include <cmath>
#include "common.h"

namespace jointly {
namespace {

// adam(w, m, v, g, outW, outM, outV, lr, beta1, beta2, epsilon, oneMinusAccBeta1, oneMinusAccBeta2)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const float* w = F32(info, 0);
  const float* m = F32(info, 1);
  const float* v = F32(info, 2);
  const float* g = F32(info, 3);
  float* ow = F32(info, 4);
  float* om = F32(info, 5);
  float* ov = F32(info, 6);
  const float lr = static_cast<float>(D(info, 7)), b1 = static_cast<float>(D(info, 8)), b2 = static_cast<float>(D(info, 9));
  const float eps = static_cast<float>(D(info, 10)), c1 = static_cast<float>(D(info, 11)), c2 = static_cast<float>(D(info, 12));
  const float oneMinusB1 = static_cast<float>(1.0 - D(info, 8)), oneMinusB2 = static_cast<float>(1.0 - D(info, 9));
  const int64_t n = static_cast<int64_t>(Len(info, 0));
#pragma omp parallel for simd if (n > 4 * kParallelGrain)
  for (int64_t i = 0; i < n; i++) {
    const float mi = m[i] * b1 + g[i] * oneMinusB1;
    const float vi = v[i] * b2 + (g[i] * g[i]) * oneMinusB2;
    om[i] = mi;
    ov[i] = vi;
    ow[i] = (mi / c1) / (std::sqrt(vi / c2) + eps) * -lr + w[i];
  }
  return info.Env().Undefined();
}

// momentum(w, acc, g, outW, outAcc, lr, momentum, nesterov)
Napi::Value Momentum(const Napi::CallbackInfo& info) {
  const float* w = F32(info, 0);
  const float* acc = F32(info, 1);
  const float* g = F32(info, 2);
  float* ow = F32(info, 3);
  float* oacc = F32(info, 4);
  const float lr = static_cast<float>(D(info, 5)), mom = static_cast<float>(D(info, 6));
  const bool nesterov = B(info, 7);
  const int64_t n = static_cast<int64_t>(Len(info, 0));
#pragma omp parallel for if (n > 4 * kParallelGrain)
  for (int64_t i = 0; i < n; i++) {
    const float a = acc[i] * mom + g[i];
    oacc[i] = a;
    ow[i] = nesterov ? (g[i] + a * mom) * -lr + w[i] : a * -lr + w[i];
  }
  return info.Env().Undefined();
}

}  // namespace

void InitOptimizer(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("momentum", Napi::Function::New(env, Momentum));
}

}  // namespace jointly
