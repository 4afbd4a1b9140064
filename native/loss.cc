// Softmax cross-entropy on logits in one pass, and its gradient: what every classification loss
// of jointly computes (src/engine/softmax-cross-entropy.ts), in two calls instead of a dozen tfjs
// kernels per step.
#include <cmath>
#include "common.h"

namespace jointly {
namespace {

// Row r's log-sum-exp, max-shifted as tfjs's logSoftmax computes it: m + log(sum(exp(x - m))).
inline float LogSumExp(const float* x, int64_t cols, float* m) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < cols; j++) mx = x[j] > mx ? x[j] : mx;
  float s = 0.f;
  for (int64_t j = 0; j < cols; j++) s += std::exp(x[j] - mx);
  *m = mx;
  return std::log(s);
}

// softmaxCrossEntropy(logits, labels, loss, rows, cols, mean): loss[r] = -sum_j labels[r,j] *
// logSoftmax(logits)[r,j], or (mean) loss[0] = the mean of those over the rows.
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  const float* y = F32(info, 1);
  float* loss = F32(info, 2);
  const int64_t rows = I(info, 3), cols = I(info, 4);
  const bool mean = B(info, 5);
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    const float* yr = y + r * cols;
    float m;
    const float lse = LogSumExp(xr, cols, &m);
    float s = 0.f;
    for (int64_t j = 0; j < cols; j++) s += yr[j] * ((xr[j] - m) - lse);
    if (mean) total += -s;
    else loss[r] = -s;
  }
  if (mean) loss[0] = rows > 0 ? static_cast<float>(total / static_cast<double>(rows)) : NAN;
  return info.Env().Undefined();
}

// softmaxCrossEntropyGrad(logits, labels, dy, dLogits, rows, cols, mean): the gradient with respect
// to the logits, dLogits[r,j] = g_r * (softmax(logits)[r,j] * sum_k labels[r,k] - labels[r,j]),
// with g_r = dy[r], or dy[0] / rows for the mean. Exact for labels that do not sum to 1 too.
Napi::Value SoftmaxCrossEntropyGrad(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  const float* y = F32(info, 1);
  const float* dy = F32(info, 2);
  float* dx = F32(info, 3);
  const int64_t rows = I(info, 4), cols = I(info, 5);
  const bool mean = B(info, 6);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    const float* yr = y + r * cols;
    float* dr = dx + r * cols;
    const float g = mean ? dy[0] / static_cast<float>(rows) : dy[r];
    float m;
    const float lse = LogSumExp(xr, cols, &m);
    float labelSum = 0.f;
    for (int64_t j = 0; j < cols; j++) labelSum += yr[j];
    for (int64_t j = 0; j < cols; j++) dr[j] = g * (std::exp((xr[j] - m) - lse) * labelSum - yr[j]);
  }
  return info.Env().Undefined();
}

}  // namespace

void InitLoss(Napi::Object exports) {
  Export<SoftmaxCrossEntropy>(exports, "softmaxCrossEntropy");
  Export<SoftmaxCrossEntropyGrad>(exports, "softmaxCrossEntropyGrad");
}

}  // namespace jointly
