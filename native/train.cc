// Kernels of the whole-model native training step (src/engine/native-step/): max pooling that
// records where each maximum came from, so its gradient is one scatter; activation gradients
// from the activation's output; bias gradients as column sums; dropout masks; plain SGD.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include "common.h"

namespace jointly {
namespace {

// tfjs's selu constants: scale, and scale times alpha.
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;

int32_t* I32(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an Int32Array");
  }
  return v.As<Napi::Int32Array>().Data();
}

struct PoolShape {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl;
};

// One output position: the maxima of its window and where they are, channel by channel. With the
// channel count known at compile time (C > 0) the running maxima live in local arrays, kept in
// registers across the window, and are stored once; C == 0 reads the count from p.c and keeps
// them in the output.
template <int C>
inline void PoolWindow(const PoolShape& p, const float* x, int64_t b, int64_t r, int64_t q, float* out, int32_t* at) {
  const int32_t c = static_cast<int32_t>(C > 0 ? C : p.c);
  const int64_t r0 = std::max<int64_t>(0, r * p.sh - p.pt), r1 = std::min<int64_t>(p.h, r * p.sh - p.pt + p.kh);
  const int64_t c0 = std::max<int64_t>(0, q * p.sw - p.pl), c1 = std::min<int64_t>(p.w, q * p.sw - p.pl + p.kw);
  float localBest[C > 0 ? C : 1];
  int32_t localWhere[C > 0 ? C : 1];
  float* best = C > 0 ? localBest : out;
  int32_t* where = C > 0 ? localWhere : at;
  for (int32_t d = 0; d < c; d++) {
    best[d] = -std::numeric_limits<float>::infinity();
    where[d] = -1;
  }
  for (int64_t i = r0; i < r1; i++) {
    for (int64_t j = c0; j < c1; j++) {
      const int64_t base = ((b * p.h + i) * p.w + j) * c;
      const float* in = x + base;
      const int32_t base32 = static_cast<int32_t>(base);
#pragma omp simd
      for (int32_t d = 0; d < c; d++) {
        // Strictly greater: the first maximum wins, as in tfjs. Selects as bit masks, not
        // branches (the comparisons are as good as random), so it vectorizes on SSE2 too.
        const float v = in[d], o = best[d];
        const int32_t gt = -static_cast<int32_t>(v > o);  // all ones where greater
        best[d] = v > o ? v : o;
        where[d] = (gt & (base32 + d)) | (~gt & where[d]);
      }
    }
  }
  if constexpr (C > 0) {
    for (int32_t d = 0; d < C; d++) {
      out[d] = best[d];
      at[d] = where[d];
    }
  }
}

template <int C>
void PoolAll(const PoolShape& p, const float* x, float* y, int32_t* arg) {
#pragma omp parallel for if (p.n * p.oh * p.ow * p.c * p.kh * p.kw > kParallelPoolWork)
  for (int64_t b = 0; b < p.n; b++) {
    for (int64_t r = 0; r < p.oh; r++) {
      for (int64_t q = 0; q < p.ow; q++) {
        const int64_t o = ((b * p.oh + r) * p.ow + q) * p.c;
        PoolWindow<C>(p, x, b, r, q, y + o, arg + o);
      }
    }
  }
}

// maxPoolArgmax(x, y, argmax, [n, h, w, c, oh, ow, kh, kw, strideH, strideW, padTop, padLeft]):
// y = max over each window (windows skip padding), argmax = flat index into x of the first
// maximum (-1 for a window with no element), as tfjs's MaxPoolGrad picks it. Channel counts up to
// 32 run a version compiled for that count: LeNet's 6-channel pool took 0.2 ms per call with the
// count read at run time (its maxima stored and reloaded at every window element).
Napi::Value MaxPoolArgmax(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* y = F32(info, 1);
  int32_t* arg = I32(info, 2);
  Napi::Array a = info[3].As<Napi::Array>();
  if (a.Length() != 12) throw Napi::TypeError::New(info.Env(), "pool geometry must have 12 numbers");
  int64_t v[12];
  for (uint32_t k = 0; k < 12; k++) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
  const PoolShape p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  switch (p.c) {
    case 1: PoolAll<1>(p, x, y, arg); break;
    case 2: PoolAll<2>(p, x, y, arg); break;
    case 3: PoolAll<3>(p, x, y, arg); break;
    case 4: PoolAll<4>(p, x, y, arg); break;
    case 6: PoolAll<6>(p, x, y, arg); break;
    case 8: PoolAll<8>(p, x, y, arg); break;
    case 12: PoolAll<12>(p, x, y, arg); break;
    case 16: PoolAll<16>(p, x, y, arg); break;
    case 24: PoolAll<24>(p, x, y, arg); break;
    case 32: PoolAll<32>(p, x, y, arg); break;
    default: PoolAll<0>(p, x, y, arg); break;
  }
  return info.Env().Undefined();
}

// maxPoolArgmaxGrad(dy, argmax, dx): dx = 0, then dx[argmax[i]] += dy[i].
Napi::Value MaxPoolArgmaxGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info, 0);
  const int32_t* arg = I32(info, 1);
  float* dx = F32(info, 2);
  const int64_t m = static_cast<int64_t>(Len(info, 0));
  const int64_t n = static_cast<int64_t>(Len(info, 2));
  std::fill(dx, dx + n, 0.f);
  for (int64_t i = 0; i < m; i++) {
    if (arg[i] >= 0) dx[arg[i]] += dy[i];
  }
  return info.Env().Undefined();
}

// activationGrad(act, dy, y, dx, alpha): dx = dy * f'(x), written from the activation's output y
// (dx may be dy). Codes as in common.h, plus 7 = selu.
Napi::Value ActivationGrad(const Napi::CallbackInfo& info) {
  const int act = static_cast<int>(I(info, 0));
  const float* dy = F32(info, 1);
  const float* y = F32(info, 2);
  float* dx = F32(info, 3);
  const float alpha = static_cast<float>(D(info, 4));
  const int64_t n = static_cast<int64_t>(Len(info, 1));
  switch (act) {
    case kLinear:
      if (dx != dy) std::copy(dy, dy + n, dx);
      break;
    case kRelu:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float g = dy[i];
        dx[i] = y[i] > 0.f ? g : 0.f;
      }
      break;
    case kRelu6:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float g = dy[i];
        dx[i] = y[i] > 0.f && y[i] < 6.f ? g : 0.f;
      }
      break;
    case kElu:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float g = dy[i], v = y[i];
        dx[i] = v > 0.f ? g : g * (v + 1.f);
      }
      break;
    case kSigmoid:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] * (1.f - y[i]));
      break;
    case kLeakyRelu:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float g = dy[i];
        dx[i] = y[i] > 0.f ? g : g * alpha;
      }
      break;
    case kTanh:
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (1.f - y[i] * y[i]);
      break;
    case 7:  // selu: y > 0 -> scale; else scale * alpha * e^x = y + scale * alpha
      #pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float g = dy[i], v = y[i];
        dx[i] = v > 0.f ? g * kSeluScale : g * (v + kSeluScaleAlpha);
      }
      break;
    default:
      throw Napi::TypeError::New(info.Env(), "unknown activation code " + std::to_string(act));
  }
  return info.Env().Undefined();
}

// selu(x, y): tfjs's selu, y may be x.
Napi::Value Selu(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* y = F32(info, 1);
  const int64_t n = static_cast<int64_t>(Len(info, 0));
  #pragma omp simd
  for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.f ? kSeluScaleAlpha * (std::exp(x[i]) - 1.f) : kSeluScale * x[i];
  return info.Env().Undefined();
}

// columnSums(x, out, rows, cols): out[j] = sum over rows of x[r, j] (bias gradients).
Napi::Value ColumnSums(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* out = F32(info, 1);
  const int64_t rows = I(info, 2), cols = I(info, 3);
  // Rows are summed in groups of g, so the inner loop runs over g * cols >= 64 contiguous values
  // (vectorizes for narrow columns, e.g. a convolution's 6 channels), then the groups' lanes are added.
  const int64_t g = cols >= 64 ? 1 : (64 + cols - 1) / cols;
  const int64_t width = g * cols, groups = rows / g;
  std::vector<float> acc(width, 0.f);
  for (int64_t k = 0; k < groups; k++) {
    const float* block = x + k * width;
#pragma omp simd
    for (int64_t j = 0; j < width; j++) acc[j] += block[j];
  }
  std::fill(out, out + cols, 0.f);
  for (int64_t j = 0; j < width; j++) out[j % cols] += acc[j];
  for (int64_t r = groups * g; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t j = 0; j < cols; j++) out[j] += row[j];
  }
  return info.Env().Undefined();
}

// multiply(a, b, out): out = a * b elementwise, equal lengths (dropout masks); out may be a or b.
Napi::Value Multiply(const Napi::CallbackInfo& info) {
  const float* a = F32(info, 0);
  const float* b = F32(info, 1);
  float* out = F32(info, 2);
  const int64_t n = static_cast<int64_t>(Len(info, 0));
  #pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
  return info.Env().Undefined();
}

// addInto(x, out): out += x (a gradient an objective adds directly to a variable).
Napi::Value AddInto(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* out = F32(info, 1);
  const int64_t n = static_cast<int64_t>(Len(info, 0));
  #pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] += x[i];
  return info.Env().Undefined();
}

// sgd(w, g, lr): w = g * -lr + w, tfjs's SGDOptimizer arithmetic, in place.
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  float* w = F32(info, 0);
  const float* g = F32(info, 1);
  const float lr = static_cast<float>(D(info, 2));
  const int64_t n = static_cast<int64_t>(Len(info, 0));
  #pragma omp simd
  for (int64_t i = 0; i < n; i++) w[i] = g[i] * -lr + w[i];
  return info.Env().Undefined();
}


const float* OptF32(const Napi::CallbackInfo& info, size_t i) { return info[i].IsNull() ? nullptr : F32(info, i); }
float* OptMutF32(const Napi::CallbackInfo& info, size_t i) { return info[i].IsNull() ? nullptr : F32(info, i); }

// batchNormTrain(x, gamma|null, beta|null, y, xhat, mean, variance, invStd, rows, channels, epsilon):
// batch statistics per channel (the last axis; biased variance, as tf.moments), then
// xhat = (x - mean) * invStd and y = xhat * gamma + beta.
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  const float* gamma = OptF32(info, 1);
  const float* beta = OptF32(info, 2);
  float* y = F32(info, 3);
  float* xhat = F32(info, 4);
  float* mean = F32(info, 5);
  float* variance = F32(info, 6);
  float* invStd = F32(info, 7);
  const int64_t rows = I(info, 8), c = I(info, 9);
  const double eps = D(info, 10);
  std::vector<double> sum(c, 0.0), sq(c, 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
    for (int64_t j = 0; j < c; j++) sum[j] += row[j];
  }
  for (int64_t j = 0; j < c; j++) mean[j] = static_cast<float>(sum[j] / static_cast<double>(rows));
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
    for (int64_t j = 0; j < c; j++) {
      const double d = static_cast<double>(row[j]) - mean[j];
      sq[j] += d * d;
    }
  }
  for (int64_t j = 0; j < c; j++) {
    variance[j] = static_cast<float>(sq[j] / static_cast<double>(rows));
    invStd[j] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[j]) + eps));
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
    float* h = xhat + r * c;
    float* out = y + r * c;
    for (int64_t j = 0; j < c; j++) {
      h[j] = (row[j] - mean[j]) * invStd[j];
      out[j] = h[j] * (gamma != nullptr ? gamma[j] : 1.f) + (beta != nullptr ? beta[j] : 0.f);
    }
  }
  return info.Env().Undefined();
}

// batchNormGrad(dy, xhat, gamma|null, invStd, dx, dgamma|null, dbeta|null, rows, channels):
// the gradient of batch normalization with batch statistics, through the mean and variance.
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info, 0);
  const float* xhat = F32(info, 1);
  const float* gamma = OptF32(info, 2);
  const float* invStd = F32(info, 3);
  float* dx = F32(info, 4);
  float* dgamma = OptMutF32(info, 5);
  float* dbeta = OptMutF32(info, 6);
  const int64_t rows = I(info, 7), c = I(info, 8);
  std::vector<double> sdy(c, 0.0), sdyx(c, 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* h = xhat + r * c;
    for (int64_t j = 0; j < c; j++) {
      sdy[j] += g[j];
      sdyx[j] += static_cast<double>(g[j]) * h[j];
    }
  }
  if (dbeta != nullptr) for (int64_t j = 0; j < c; j++) dbeta[j] = static_cast<float>(sdy[j]);
  if (dgamma != nullptr) for (int64_t j = 0; j < c; j++) dgamma[j] = static_cast<float>(sdyx[j]);
  const double inv = 1.0 / static_cast<double>(rows);
  std::vector<float> k(c), meanDy(c), meanDyx(c);
  for (int64_t j = 0; j < c; j++) {
    k[j] = (gamma != nullptr ? gamma[j] : 1.f) * invStd[j];
    meanDy[j] = static_cast<float>(sdy[j] * inv);
    meanDyx[j] = static_cast<float>(sdyx[j] * inv);
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* h = xhat + r * c;
    float* out = dx + r * c;
    for (int64_t j = 0; j < c; j++) out[j] = k[j] * (g[j] - meanDy[j] - h[j] * meanDyx[j]);
  }
  return info.Env().Undefined();
}

}  // namespace

void InitTrain(Napi::Object exports) {
  Export<MaxPoolArgmax>(exports, "maxPoolArgmax");
  Export<MaxPoolArgmaxGrad>(exports, "maxPoolArgmaxGrad");
  Export<ActivationGrad>(exports, "activationGrad");
  Export<Selu>(exports, "selu");
  Export<ColumnSums>(exports, "columnSums");
  Export<Multiply>(exports, "multiply");
  Export<AddInto>(exports, "addInto");
  Export<Sgd>(exports, "sgd");
  Export<BatchNormTrain>(exports, "batchNormTrain");
  Export<BatchNormGrad>(exports, "batchNormGrad");
}

}  // namespace jointly
