// Elementwise kernels: unary maps, activation gradients, binary ops with broadcasting, softmax.
#include <cmath>
#include <vector>
#include "common.h"

namespace jointly {
namespace {

// Unary op codes (same as src/engine/native/addon.ts).
enum Unary { kUExp = 0, kULog, kUSqrt, kUSquare, kUNeg, kUAbs, kUStep, kURsqrt, kUReciprocal, kUElu, kURelu, kURelu6, kUSigmoid, kUTanh, kULeakyRelu };

template <typename F>
void Map(const float* x, float* y, int64_t n, F f) {
  // firstprivate: each thread's own copy of the functor, so that its captures (alpha) are known not
  // to alias y and the loop vectorizes (shared, Step ran 25x slower, scalar with mispredicted branches).
#pragma omp parallel for firstprivate(f) if (n > 4 * kParallelGrain)
  for (int64_t i = 0; i < n; i++) y[i] = f(x[i]);
}

// unary(op, x, y, alpha)
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I(info, 0));
  const float* x = F32(info, 1);
  float* y = F32(info, 2);
  const int64_t n = static_cast<int64_t>(Len(info, 1));
  const float alpha = static_cast<float>(D(info, 3));
  switch (op) {
    case kUExp: Map(x, y, n, [](float v) { return std::exp(v); }); break;
    case kULog: Map(x, y, n, [](float v) { return std::log(v); }); break;
    case kUSqrt: Map(x, y, n, [](float v) { return std::sqrt(v); }); break;
    case kUSquare: Map(x, y, n, [](float v) { return v * v; }); break;
    case kUNeg: Map(x, y, n, [](float v) { return -v; }); break;
    case kUAbs: Map(x, y, n, [](float v) { return std::fabs(v); }); break;
    // Selects, no isnan call, so that it vectorizes: NaN stays NaN, as in tfjs.
    case kUStep: Map(x, y, n, [alpha](float v) { const float s = v > 0.f ? 1.f : alpha; return v != v ? v : s; }); break;
    case kURsqrt: Map(x, y, n, [](float v) { return 1.f / std::sqrt(v); }); break;
    case kUReciprocal: Map(x, y, n, [](float v) { return 1.f / v; }); break;
    case kUElu: Map(x, y, n, [](float v) { return v >= 0.f ? v : std::expm1(v); }); break;
    case kURelu: Map(x, y, n, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case kURelu6: Map(x, y, n, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); }); break;
    case kUSigmoid: Map(x, y, n, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
    case kUTanh: Map(x, y, n, [](float v) { return std::tanh(v); }); break;
    case kULeakyRelu: Map(x, y, n, [alpha](float v) { return v < 0.f ? alpha * v : v; }); break;
    default: throw Napi::RangeError::New(info.Env(), "unknown unary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// eluGrad(dy, y, dx): dx = y >= 0 ? dy : dy * (y + 1)
Napi::Value EluGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info, 0);
  const float* y = F32(info, 1);
  float* dx = F32(info, 2);
  const int64_t n = static_cast<int64_t>(Len(info, 0));
#pragma omp parallel for if (n > 4 * kParallelGrain)
  for (int64_t i = 0; i < n; i++) dx[i] = y[i] >= 0.f ? dy[i] : dy[i] * (y[i] + 1.f);
  return info.Env().Undefined();
}

// Binary op codes (same as src/engine/native/addon.ts).
enum Binary { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDifference };

template <typename F>
void Broadcast(const float* a, const float* b, float* y, const std::vector<int64_t>& shape, const std::vector<int64_t>& sa,
               const std::vector<int64_t>& sb, F f) {
  const size_t rank = shape.size();
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total == 0) return;
  // Fast paths on the flattened arrays.
  bool fullA = true, fullB = true, scalarA = true, scalarB = true;
  {
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      if (shape[d] != 1) {
        fullA = fullA && sa[d] == stride;
        fullB = fullB && sb[d] == stride;
        scalarA = scalarA && sa[d] == 0;
        scalarB = scalarB && sb[d] == 0;
      }
      stride *= shape[d];
    }
  }
  const bool parallel = total > 4 * kParallelGrain;
  if (fullA && fullB) {
#pragma omp parallel for if (parallel)
    for (int64_t i = 0; i < total; i++) y[i] = f(a[i], b[i]);
    return;
  }
  if (fullA && scalarB) {
    const float bv = b[0];
#pragma omp parallel for if (parallel)
    for (int64_t i = 0; i < total; i++) y[i] = f(a[i], bv);
    return;
  }
  if (scalarA && fullB) {
    const float av = a[0];
#pragma omp parallel for if (parallel)
    for (int64_t i = 0; i < total; i++) y[i] = f(av, b[i]);
    return;
  }
  // General case: the innermost dimension is a strided inner loop, the others a counter.
  const int64_t inner = rank == 0 ? 1 : shape[rank - 1];
  const int64_t ia = rank == 0 ? 0 : sa[rank - 1], ib = rank == 0 ? 0 : sb[rank - 1];
  const int64_t rows = total / inner;
#pragma omp parallel for if (parallel)
  for (int64_t row = 0; row < rows; row++) {
    int64_t offA = 0, offB = 0, rest = row;
    for (size_t d = rank - 1; d-- > 0;) {
      const int64_t idx = rest % shape[d];
      rest /= shape[d];
      offA += idx * sa[d];
      offB += idx * sb[d];
    }
    const float* pa = a + offA;
    const float* pb = b + offB;
    float* py = y + row * inner;
    for (int64_t j = 0; j < inner; j++) py[j] = f(pa[j * ia], pb[j * ib]);
  }
}

std::vector<int64_t> Ints(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

// binary(op, a, b, y, outShape, aStrides, bStrides): strides over the output's dimensions, 0 where broadcast.
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I(info, 0));
  const float* a = F32(info, 1);
  const float* b = F32(info, 2);
  float* y = F32(info, 3);
  const std::vector<int64_t> shape = Ints(info[4]), sa = Ints(info[5]), sb = Ints(info[6]);
  switch (op) {
    case kAdd: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return u + v; }); break;
    case kSub: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return u - v; }); break;
    case kMul: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return u * v; }); break;
    case kDiv: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return u / v; }); break;
    case kMax: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return std::isnan(u) || std::isnan(v) ? NAN : (u > v ? u : v); }); break;
    case kMin: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return std::isnan(u) || std::isnan(v) ? NAN : (u < v ? u : v); }); break;
    case kSquaredDifference: Broadcast(a, b, y, shape, sa, sb, [](float u, float v) { return (u - v) * (u - v); }); break;
    default: throw Napi::RangeError::New(info.Env(), "unknown binary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// softmax(x, y, rows, cols): along the last dimension.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* y = F32(info, 1);
  const int64_t rows = I(info, 2), cols = I(info, 3);
#pragma omp parallel for if (rows * cols > 4 * kParallelGrain)
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    float m = -INFINITY;
    for (int64_t j = 0; j < cols; j++) m = in[j] > m ? in[j] : m;
    float s = 0.f;
    for (int64_t j = 0; j < cols; j++) {
      out[j] = std::exp(in[j] - m);
      s += out[j];
    }
    for (int64_t j = 0; j < cols; j++) out[j] /= s;
  }
  return info.Env().Undefined();
}

}  // namespace

void InitElementwise(Napi::Object exports) {
  Export<UnaryOp>(exports, "unary");
  Export<EluGrad>(exports, "eluGrad");
  Export<BinaryOp>(exports, "binary");
  Export<Softmax>(exports, "softmax");
}

}  // namespace jointly
