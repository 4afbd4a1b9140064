// Max and average pooling on NHWC data, forward and backward, with the tfjs cpu backend's
// semantics: windows skip padding; the average divides by the in-bounds count forward and by
// the full window size backward; the max gradient goes to the first maximum of each window.
#include <cmath>
#include <limits>
#include "common.h"

namespace jointly {
namespace {

// [n, h, w, c, oh, ow, kh, kw, strideH, strideW, padTop, padLeft]
struct Pool {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl;
  static Pool From(const Napi::CallbackInfo& info, size_t i) {
    Napi::Array a = info[i].As<Napi::Array>();
    if (a.Length() != 12) throw Napi::TypeError::New(info.Env(), "pool geometry must have 12 numbers");
    int64_t v[12];
    for (uint32_t k = 0; k < 12; k++) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
    return Pool{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  }
};

// maxPool(x, y, geometry) / avgPool(x, y, geometry)
template <bool kMax>
Napi::Value PoolForward(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  float* y = F32(info, 1);
  const Pool p = Pool::From(info, 2);
#pragma omp parallel for if (p.n * p.oh * p.ow * p.c * p.kh * p.kw > kParallelPoolWork)
  for (int64_t b = 0; b < p.n; b++) {
    for (int64_t r = 0; r < p.oh; r++) {
      const int64_t r0 = std::max<int64_t>(0, r * p.sh - p.pt), r1 = std::min<int64_t>(p.h, r * p.sh - p.pt + p.kh);
      for (int64_t q = 0; q < p.ow; q++) {
        const int64_t c0 = std::max<int64_t>(0, q * p.sw - p.pl), c1 = std::min<int64_t>(p.w, q * p.sw - p.pl + p.kw);
        float* out = y + ((b * p.oh + r) * p.ow + q) * p.c;
        for (int64_t d = 0; d < p.c; d++) out[d] = kMax ? -std::numeric_limits<float>::infinity() : 0.f;
        for (int64_t i = r0; i < r1; i++) {
          for (int64_t j = c0; j < c1; j++) {
            const float* in = x + ((b * p.h + i) * p.w + j) * p.c;
            if (kMax) {
              for (int64_t d = 0; d < p.c; d++) out[d] = in[d] > out[d] ? in[d] : out[d];
            } else {
              for (int64_t d = 0; d < p.c; d++) out[d] += in[d];
            }
          }
        }
        if (!kMax) {
          const float count = static_cast<float>((r1 - r0) * (c1 - c0));
          for (int64_t d = 0; d < p.c; d++) out[d] /= count;
        }
      }
    }
  }
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, geometry): dx must be zero-filled.
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info, 0);
  const float* x = F32(info, 1);
  float* dx = F32(info, 2);
  const Pool p = Pool::From(info, 3);
  // Parallel over images: windows of different images never share an input element.
#pragma omp parallel for if (p.n * p.oh * p.ow * p.c * p.kh * p.kw > kParallelPoolWork)
  for (int64_t b = 0; b < p.n; b++) {
    for (int64_t r = 0; r < p.oh; r++) {
      const int64_t r0 = std::max<int64_t>(0, r * p.sh - p.pt), r1 = std::min<int64_t>(p.h, r * p.sh - p.pt + p.kh);
      for (int64_t q = 0; q < p.ow; q++) {
        const int64_t c0 = std::max<int64_t>(0, q * p.sw - p.pl), c1 = std::min<int64_t>(p.w, q * p.sw - p.pl + p.kw);
        const float* g = dy + ((b * p.oh + r) * p.ow + q) * p.c;
        for (int64_t d = 0; d < p.c; d++) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = -1;
          for (int64_t i = r0; i < r1; i++) {
            for (int64_t j = c0; j < c1; j++) {
              const int64_t k = ((b * p.h + i) * p.w + j) * p.c + d;
              if (x[k] > best) {  // strictly greater: the first maximum wins, as in tfjs
                best = x[k];
                at = k;
              }
            }
          }
          if (at >= 0) dx[at] += g[d];
        }
      }
    }
  }
  return info.Env().Undefined();
}

// avgPoolGrad(dy, dx, geometry): dx must be zero-filled.
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info, 0);
  float* dx = F32(info, 1);
  const Pool p = Pool::From(info, 2);
  const float scale = 1.f / static_cast<float>(p.kh * p.kw);
#pragma omp parallel for if (p.n * p.oh * p.ow * p.c * p.kh * p.kw > kParallelPoolWork)
  for (int64_t b = 0; b < p.n; b++) {
    for (int64_t r = 0; r < p.oh; r++) {
      const int64_t r0 = std::max<int64_t>(0, r * p.sh - p.pt), r1 = std::min<int64_t>(p.h, r * p.sh - p.pt + p.kh);
      for (int64_t q = 0; q < p.ow; q++) {
        const int64_t c0 = std::max<int64_t>(0, q * p.sw - p.pl), c1 = std::min<int64_t>(p.w, q * p.sw - p.pl + p.kw);
        const float* g = dy + ((b * p.oh + r) * p.ow + q) * p.c;
        for (int64_t i = r0; i < r1; i++) {
          for (int64_t j = c0; j < c1; j++) {
            float* out = dx + ((b * p.h + i) * p.w + j) * p.c;
            for (int64_t d = 0; d < p.c; d++) out[d] += g[d] * scale;
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitPool(Napi::Object exports) {
  Export<PoolForward<true>>(exports, "maxPool");
  Export<PoolForward<false>>(exports, "avgPool");
  Export<MaxPoolGrad>(exports, "maxPoolGrad");
  Export<AvgPoolGrad>(exports, "avgPoolGrad");
}

}  // namespace jointly
