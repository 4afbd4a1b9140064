// Shared helpers of the jointly native addon: argument access without copies.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>

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

// Activations shared by the fused kernels (same codes as src/engine/native/addon.ts).
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kSigmoid = 4, kLeakyRelu = 5, kTanh = 6 };

// Applies an activation in place.
void ApplyActivation(float* y, int64_t n, int act, float alpha);

void InitGemm(Napi::Env env, Napi::Object exports);
void InitConv(Napi::Env env, Napi::Object exports);
void InitPool(Napi::Env env, Napi::Object exports);
void InitElementwise(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitOptimizer(Napi::Env env, Napi::Object exports);
void InitTrain(Napi::Env env, Napi::Object exports);
void InitAggregate(Napi::Env env, Napi::Object exports);

}  // namespace jointly
