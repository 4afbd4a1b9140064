// Reductions over the middle axis of a [outer, reduce, inner] view: sum, mean, max, min.
#include <cmath>
#include "common.h"

namespace jointly {
namespace {

enum Reduce { kSum = 0, kMean, kMax, kMin };

// reduce(op, x, y, outer, reduce, inner)
Napi::Value ReduceOp(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I(info, 0));
  const float* x = F32(info, 1);
  float* y = F32(info, 2);
  const int64_t outer = I(info, 3), r = I(info, 4), inner = I(info, 5);
  const bool isMax = op == kMax, isMin = op == kMin;
#pragma omp parallel for if (outer > 1 && outer * r * inner > 4 * kParallelGrain)
  for (int64_t o = 0; o < outer; o++) {
    float* out = y + o * inner;
    const float* in = x + o * r * inner;
    if (inner == 1) {
      // Contiguous reduction: double accumulation keeps long sums accurate.
      if (isMax || isMin) {
        float m = r > 0 ? in[0] : NAN;
        for (int64_t k = 1; k < r; k++) m = isMax ? (in[k] > m || std::isnan(in[k]) ? in[k] : m) : (in[k] < m || std::isnan(in[k]) ? in[k] : m);
        out[0] = m;
      } else {
        double s = 0;
        for (int64_t k = 0; k < r; k++) s += in[k];
        out[0] = static_cast<float>(op == kMean ? s / static_cast<double>(r) : s);
      }
      continue;
    }
    for (int64_t j = 0; j < inner; j++) out[j] = r > 0 ? in[j] : (isMax || isMin ? NAN : 0.f);
    for (int64_t k = 1; k < r; k++) {
      const float* row = in + k * inner;
      if (isMax) {
        for (int64_t j = 0; j < inner; j++) out[j] = row[j] > out[j] || std::isnan(row[j]) ? row[j] : out[j];
      } else if (isMin) {
        for (int64_t j = 0; j < inner; j++) out[j] = row[j] < out[j] || std::isnan(row[j]) ? row[j] : out[j];
      } else {
        for (int64_t j = 0; j < inner; j++) out[j] += row[j];
      }
    }
    if (op == kMean) {
      const float scale = 1.f / static_cast<float>(r);
      for (int64_t j = 0; j < inner; j++) out[j] *= scale;
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitReduce(Napi::Object exports) { Export<ReduceOp>(exports, "reduce"); }

}  // namespace jointly
