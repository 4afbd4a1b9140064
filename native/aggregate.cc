// Aggregation of client updates at memory speed: the weighted mean (FedAvg), its update sum, the
// coordinate median, the trimmed mean and the pairwise squared distances of Krum/Bulyan, each
// reading every update once, a block of coordinates at a time, OpenMP-parallel over blocks (or
// rows of the distance matrix) with ConfiguredThreads() threads. Per coordinate (per pair for the
// distances) the float64 arithmetic runs in a fixed order that does not depend on the thread
// count. The weighted means and the median follow the TypeScript reference
// (src/federated/aggregate/reference.ts) exactly, with no fused multiply-add, so they match it bit
// for bit; the trimmed mean sums its kept values in another order, and the distances sum eight
// interleaved lanes of coordinates (then the lanes), so both match it to float64 rounding. Also memoryBandwidth: a streaming read of a large buffer, in GB/s.
#pragma GCC optimize("fp-contract=off")
#pragma GCC diagnostic ignored "-Wpsabi"  // the generic 8-lane vectors below; the clones pass them in registers
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "common.h"

namespace jointly {
namespace {

constexpr int64_t kMeanBlock = 16384;       // coordinates per block of the mean: a 128 KiB float64 accumulator (in L2)
constexpr int64_t kTileBytes = 256 * 1024;  // the tile of client values of a median / distance block

// The data pointers of a JS array of Float32Arrays (all of length d, checked by the caller).
std::vector<const float*> Vectors(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of Float32Array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<const float*> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must hold Float32Arrays");
    }
    out[k] = e.As<Napi::Float32Array>().Data();
  }
  return out;
}

double* F64(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float64Array");
  }
  return v.As<Napi::Float64Array>().Data();
}

int64_t TileCoordinates(int64_t n, int64_t bytes) {
  return std::max<int64_t>(64, std::min<int64_t>(8192, kTileBytes / (bytes * std::max<int64_t>(1, n))));
}

int ThreadsFor(int64_t work) { return work > 4 * kParallelGrain ? ConfiguredThreads() : 1; }

// acc[i] (+)= Σ w_k·v_k[b0 + i] (or w_k·(v_k − g)) for i in [0, len), clients in order, four per
// pass over the accumulator. Measured on a 2-core Zen 5 (100 updates of 1M floats, 2 threads): four
// per pass over 16Ki-coordinate blocks 59-61 GB/s; eight per pass 51-54, six 57-61, sixteen 47-48;
// 4Ki-coordinate blocks 49-51; software prefetching or fused multiply-adds no faster (the loop is
// bound by the reads in flight per core, not by the arithmetic).
JOINTLY_CLONES
void AccumulateBlock(double* acc, const float* const* vs, const double* ws, int64_t m, const float* g, int64_t b0, int64_t len) {
  int64_t k = 0;
  for (; k + 4 <= m; k += 4) {
    const float *v0 = vs[k] + b0, *v1 = vs[k + 1] + b0, *v2 = vs[k + 2] + b0, *v3 = vs[k + 3] + b0;
    const double w0 = ws[k], w1 = ws[k + 1], w2 = ws[k + 2], w3 = ws[k + 3];
    if (g == nullptr) {
      for (int64_t i = 0; i < len; i++) {
        double a = acc[i];
        a += w0 * static_cast<double>(v0[i]);
        a += w1 * static_cast<double>(v1[i]);
        a += w2 * static_cast<double>(v2[i]);
        a += w3 * static_cast<double>(v3[i]);
        acc[i] = a;
      }
    } else {
      const float* gb = g + b0;
      for (int64_t i = 0; i < len; i++) {
        const double x = gb[i];
        double a = acc[i];
        a += w0 * (static_cast<double>(v0[i]) - x);
        a += w1 * (static_cast<double>(v1[i]) - x);
        a += w2 * (static_cast<double>(v2[i]) - x);
        a += w3 * (static_cast<double>(v3[i]) - x);
        acc[i] = a;
      }
    }
  }
  for (; k < m; k++) {
    const float* v = vs[k] + b0;
    const double w = ws[k];
    if (g == nullptr) {
      for (int64_t i = 0; i < len; i++) acc[i] += w * static_cast<double>(v[i]);
    } else {
      const float* gb = g + b0;
      for (int64_t i = 0; i < len; i++) acc[i] += w * (static_cast<double>(v[i]) - static_cast<double>(gb[i]));
    }
  }
}

JOINTLY_CLONES
void Divide(float* out, const double* acc, int64_t len, double total) {
  for (int64_t i = 0; i < len; i++) out[i] = static_cast<float>(acc[i] / total);
}

// The vectors of non-zero weight (the sums skip weight 0, as the reference).
void NonZero(const std::vector<const float*>& vectors, const double* weights, std::vector<const float*>* vs, std::vector<double>* ws) {
  for (size_t k = 0; k < vectors.size(); k++) {
    if (weights[k] != 0) {
      vs->push_back(vectors[k]);
      ws->push_back(weights[k]);
    }
  }
}

// weightedMean(vectors, weights: Float64Array, total, out: Float32Array)
Napi::Value WeightedMean(const Napi::CallbackInfo& info) {
  const std::vector<const float*> vectors = Vectors(info, 0);
  const double* weights = F64(info, 1);
  const double total = D(info, 2);
  float* out = F32(info, 3);
  const int64_t d = static_cast<int64_t>(Len(info, 3));
  std::vector<const float*> vs;
  std::vector<double> ws;
  NonZero(vectors, weights, &vs, &ws);
  const int64_t m = static_cast<int64_t>(vs.size());
  const int64_t blocks = (d + kMeanBlock - 1) / kMeanBlock;
#pragma omp parallel num_threads(ThreadsFor(d * std::max<int64_t>(1, m)))
  {
    std::vector<double> acc(kMeanBlock);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
      const int64_t b0 = b * kMeanBlock, len = std::min(kMeanBlock, d - b0);
      std::fill(acc.begin(), acc.begin() + len, 0.0);
      AccumulateBlock(acc.data(), vs.data(), ws.data(), m, nullptr, b0, len);
      Divide(out + b0, acc.data(), len, total);
    }
  }
  return info.Env().Undefined();
}

// weightedUpdateSum(global, vectors, weights: Float64Array, sum: Float64Array): sum += Σ w·(v − global)
Napi::Value WeightedUpdateSum(const Napi::CallbackInfo& info) {
  const float* global = F32(info, 0);
  const int64_t d = static_cast<int64_t>(Len(info, 0));
  const std::vector<const float*> vectors = Vectors(info, 1);
  const double* weights = F64(info, 2);
  double* sum = F64(info, 3);
  std::vector<const float*> vs;
  std::vector<double> ws;
  NonZero(vectors, weights, &vs, &ws);
  const int64_t m = static_cast<int64_t>(vs.size());
  const int64_t blocks = (d + kMeanBlock - 1) / kMeanBlock;
#pragma omp parallel for schedule(static) num_threads(ThreadsFor(d * std::max<int64_t>(1, m)))
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t b0 = b * kMeanBlock, len = std::min(kMeanBlock, d - b0);
    AccumulateBlock(sum + b0, vs.data(), ws.data(), m, global, b0, len);
  }
  return info.Env().Undefined();
}

// tile[i·n + k] = v_k[b0 + i] for i in [0, len): one column of n values per coordinate.
void FillTile(float* tile, const std::vector<const float*>& vectors, int64_t b0, int64_t len) {
  const int64_t n = static_cast<int64_t>(vectors.size());
  for (int64_t k = 0; k < n; k++) {
    const float* v = vectors[k] + b0;
    for (int64_t i = 0; i < len; i++) tile[i * n + k] = v[i];
  }
}

// Runs body(tile, b0, len) for every coordinate block, in parallel over blocks (one tile per thread).
template <typename Body>
void ForEachTile(const std::vector<const float*>& vectors, int64_t d, Body body) {
  const int64_t n = static_cast<int64_t>(vectors.size());
  const int64_t block = TileCoordinates(n, 4);
  const int64_t blocks = (d + block - 1) / block;
#pragma omp parallel num_threads(ThreadsFor(d * n * 4))
  {
    std::vector<float> tile(static_cast<size_t>(n * std::min(block, d)));
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
      const int64_t b0 = b * block, len = std::min(block, d - b0);
      FillTile(tile.data(), vectors, b0, len);
      body(tile.data(), b0, len);
    }
  }
}

// Eight float64 (or float32) lanes in GCC's generic vectors: one zmm with AVX-512, two ymm with
// AVX2, four xmm otherwise; the same lane-wise arithmetic, hence the same results, on each.
typedef double V8d __attribute__((vector_size(64)));
typedef float V8f __attribute__((vector_size(32)));
typedef float V16f __attribute__((vector_size(64)));
typedef int32_t V16i __attribute__((vector_size(64)));
typedef double V16d __attribute__((vector_size(128)));

// Up to this many clients, the median and trimmed mean rank every value against every other,
// sixteen coordinates at a time, branch-free (n² comparisons per coordinate, vectorized); above
// it, a selection per coordinate (n log n, but with unpredictable branches) is faster.
constexpr int64_t kRankClients = 512;

// For coordinates [c, c + count), count ≤ 16: the rank of each value among its coordinate's n
// values (ties by client order, as a stable sort), and from the ranks either the median (cut < 0)
// or the mean of the values of rank in [cut, n − cut), summed in float64 in client order.
template <bool kMedian>
__attribute__((always_inline)) inline void RankBlock(const float* const* vs, int64_t n, int64_t c, int64_t count, V16f* xs, int64_t cut, float* out) {
  for (int64_t k = 0; k < n; k++) {
    V16f x = {};
    if (count == 16) std::memcpy(&x, vs[k] + c, sizeof x);  // a constant size: one load, no call
    else std::memcpy(&x, vs[k] + c, static_cast<size_t>(count) * sizeof(float));
    xs[k] = x;
  }
  const int32_t mid = static_cast<int32_t>(n / 2);
  const int32_t lowKeep = static_cast<int32_t>(cut), highKeep = static_cast<int32_t>(n - cut);
  V16f hi = {}, lo = {};
  V8d sumLow = {}, sumHigh = {};
  // The value of client k, once its rank among the coordinate's values is known.
  auto take = [&](const V16f& xk, const V16i& rank) {
    if (kMedian) {
      hi = rank == mid ? xk : hi;
      lo = rank == mid - 1 ? xk : lo;
    } else {
      const V16f zero = {};
      const V16f kept = (rank >= lowKeep) & (rank < highKeep) ? xk : zero;
      // two halves: a 16-double vector would live in memory
      const V8f low = __builtin_shufflevector(kept, kept, 0, 1, 2, 3, 4, 5, 6, 7);
      const V8f high = __builtin_shufflevector(kept, kept, 8, 9, 10, 11, 12, 13, 14, 15);
      sumLow += __builtin_convertvector(low, V8d);
      sumHigh += __builtin_convertvector(high, V8d);
    }
  };
  int64_t k = 0;
  // Four clients at a time: each xs[j] is loaded once for four comparisons (four independent counts).
  for (; k + 4 <= n; k += 4) {
    const V16f x0 = xs[k], x1 = xs[k + 1], x2 = xs[k + 2], x3 = xs[k + 3];
    V16i r0 = {}, r1 = {}, r2 = {}, r3 = {};
    for (int64_t j = 0; j < k; j++) {
      const V16f x = xs[j];
      r0 -= (x <= x0);
      r1 -= (x <= x1);
      r2 -= (x <= x2);
      r3 -= (x <= x3);
    }
    // Among the four: j before k counts when ≤, after k when <.
    r0 -= (x1 < x0);
    r0 -= (x2 < x0);
    r0 -= (x3 < x0);
    r1 -= (x0 <= x1);
    r1 -= (x2 < x1);
    r1 -= (x3 < x1);
    r2 -= (x0 <= x2);
    r2 -= (x1 <= x2);
    r2 -= (x3 < x2);
    r3 -= (x0 <= x3);
    r3 -= (x1 <= x3);
    r3 -= (x2 <= x3);
    for (int64_t j = k + 4; j < n; j++) {
      const V16f x = xs[j];
      r0 -= (x < x0);
      r1 -= (x < x1);
      r2 -= (x < x2);
      r3 -= (x < x3);
    }
    take(x0, r0);
    take(x1, r1);
    take(x2, r2);
    take(x3, r3);
  }
  for (; k < n; k++) {
    const V16f xk = xs[k];
    V16i rank = {};
    for (int64_t j = 0; j < k; j++) rank -= (xs[j] <= xk);
    for (int64_t j = k + 1; j < n; j++) rank -= (xs[j] < xk);
    take(xk, rank);
  }
  V16f result;
  if (kMedian) {
    result = n % 2 == 1 ? hi : __builtin_convertvector((__builtin_convertvector(lo, V16d) + __builtin_convertvector(hi, V16d)) / 2.0, V16f);
  } else {
    const double keptCount = static_cast<double>(n - 2 * cut);
    const V8f low = __builtin_convertvector(sumLow / keptCount, V8f), high = __builtin_convertvector(sumHigh / keptCount, V8f);
    std::memcpy(&result, &low, sizeof low);
    std::memcpy(reinterpret_cast<char*>(&result) + sizeof low, &high, sizeof high);
  }
  if (count == 16) std::memcpy(out + c, &result, sizeof result);
  else std::memcpy(out + c, &result, static_cast<size_t>(count) * sizeof(float));
}

// The two uses, compiled per instruction set (a template itself is not cloned).
JOINTLY_CLONES
void MedianBlock(const float* const* vs, int64_t n, int64_t c, int64_t count, V16f* xs, float* out) { RankBlock<true>(vs, n, c, count, xs, -1, out); }
JOINTLY_CLONES
void TrimmedBlock(const float* const* vs, int64_t n, int64_t c, int64_t count, V16f* xs, int64_t cut, float* out) { RankBlock<false>(vs, n, c, count, xs, cut, out); }

// The median (cut < 0) or trimmed mean of every coordinate by ranks, in parallel over groups of 16.
void ByRanks(const std::vector<const float*>& vectors, int64_t d, int64_t cut, float* out) {
  const int64_t n = static_cast<int64_t>(vectors.size());
  const int64_t groups = (d + 15) / 16;
#pragma omp parallel num_threads(ThreadsFor(d * n * n / 16))
  {
    // 64-byte aligned: one vector per client.
    V16f* xs = static_cast<V16f*>(std::aligned_alloc(64, static_cast<size_t>(std::max<int64_t>(1, n)) * sizeof(V16f)));
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; g++) {
      const int64_t count = std::min<int64_t>(16, d - g * 16);
      if (cut < 0) MedianBlock(vectors.data(), n, g * 16, count, xs, out);
      else TrimmedBlock(vectors.data(), n, g * 16, count, xs, cut, out);
    }
    std::free(xs);
  }
}

// coordinateMedian(vectors, out): float comparisons order float32 values as float64 ones do.
Napi::Value CoordinateMedian(const Napi::CallbackInfo& info) {
  const std::vector<const float*> vectors = Vectors(info, 0);
  float* out = F32(info, 1);
  const int64_t d = static_cast<int64_t>(Len(info, 1));
  const int64_t n = static_cast<int64_t>(vectors.size());
  const int64_t mid = n / 2;
  if (n <= kRankClients) {
    ByRanks(vectors, d, -1, out);
    return info.Env().Undefined();
  }
  ForEachTile(vectors, d, [&](float* tile, int64_t b0, int64_t len) {
    for (int64_t i = 0; i < len; i++) {
      float* col = tile + i * n;
      std::nth_element(col, col + mid, col + n);
      if (n % 2 == 1) {
        out[b0 + i] = col[mid];
      } else {
        const float below = *std::max_element(col, col + mid);
        out[b0 + i] = static_cast<float>((static_cast<double>(below) + static_cast<double>(col[mid])) / 2);
      }
    }
  });
  return info.Env().Undefined();
}

// trimmedMean(vectors, cut, out), cut ≥ 1 (cut 0 is the plain mean, computed by weightedMean).
Napi::Value TrimmedMean(const Napi::CallbackInfo& info) {
  const std::vector<const float*> vectors = Vectors(info, 0);
  const int64_t cut = I(info, 1);
  float* out = F32(info, 2);
  const int64_t d = static_cast<int64_t>(Len(info, 2));
  const int64_t n = static_cast<int64_t>(vectors.size());
  const int64_t kept = n - 2 * cut;
  if (n <= kRankClients) {
    ByRanks(vectors, d, cut, out);
    return info.Env().Undefined();
  }
  ForEachTile(vectors, d, [&](float* tile, int64_t b0, int64_t len) {
    for (int64_t i = 0; i < len; i++) {
      float* col = tile + i * n;
      std::nth_element(col, col + cut, col + n);
      if (kept > 1) std::nth_element(col + cut + 1, col + n - cut - 1, col + n);
      double s = 0;
      for (int64_t t = cut; t < n - cut; t++) s += col[t];
      out[b0 + i] = static_cast<float>(s / static_cast<double>(kept));
    }
  });
  return info.Env().Undefined();
}

constexpr int64_t kLanes = 8;  // partial sums per pair: lane l sums the coordinates c ≡ l (mod 8), in order


__attribute__((always_inline)) inline V8d Load8(const float* p) {
  V8f f;
  std::memcpy(&f, p, sizeof f);
  return __builtin_convertvector(f, V8d);
}

// lanes[j·8 + l] += Σ (a[c] − v_j[c])² over the block's coordinates c ≡ l (mod 8), for j in [j0, j1),
// four pairs at a time sharing the loads of a. b0 is a multiple of 8, so lanes follow the global c.
JOINTLY_CLONES
void DistanceLanes(double* lanes, const float* a, const float* const* vs, int64_t j0, int64_t j1, int64_t b0, int64_t len) {
  const int64_t full = len / kLanes * kLanes;
  const float* ab = a + b0;
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    const float *p0 = vs[j] + b0, *p1 = vs[j + 1] + b0, *p2 = vs[j + 2] + b0, *p3 = vs[j + 3] + b0;
    V8d s0, s1, s2, s3;
    std::memcpy(&s0, lanes + j * kLanes, sizeof s0);
    std::memcpy(&s1, lanes + (j + 1) * kLanes, sizeof s1);
    std::memcpy(&s2, lanes + (j + 2) * kLanes, sizeof s2);
    std::memcpy(&s3, lanes + (j + 3) * kLanes, sizeof s3);
    for (int64_t c = 0; c < full; c += kLanes) {
      const V8d x = Load8(ab + c);
      const V8d e0 = x - Load8(p0 + c), e1 = x - Load8(p1 + c), e2 = x - Load8(p2 + c), e3 = x - Load8(p3 + c);
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    for (int64_t c = full; c < len; c++) {
      const double x = ab[c];
      const double e0 = x - static_cast<double>(p0[c]), e1 = x - static_cast<double>(p1[c]);
      const double e2 = x - static_cast<double>(p2[c]), e3 = x - static_cast<double>(p3[c]);
      s0[c % kLanes] += e0 * e0;
      s1[c % kLanes] += e1 * e1;
      s2[c % kLanes] += e2 * e2;
      s3[c % kLanes] += e3 * e3;
    }
    std::memcpy(lanes + j * kLanes, &s0, sizeof s0);
    std::memcpy(lanes + (j + 1) * kLanes, &s1, sizeof s1);
    std::memcpy(lanes + (j + 2) * kLanes, &s2, sizeof s2);
    std::memcpy(lanes + (j + 3) * kLanes, &s3, sizeof s3);
  }
  for (; j < j1; j++) {
    const float* p = vs[j] + b0;
    V8d s;
    std::memcpy(&s, lanes + j * kLanes, sizeof s);
    for (int64_t c = 0; c < full; c += kLanes) {
      const V8d e = Load8(ab + c) - Load8(p + c);
      s += e * e;
    }
    for (int64_t c = full; c < len; c++) {
      const double e = static_cast<double>(ab[c]) - static_cast<double>(p[c]);
      s[c % kLanes] += e * e;
    }
    std::memcpy(lanes + j * kLanes, &s, sizeof s);
  }
}

// pairwiseSquaredDistances(vectors, out: Float64Array of n·n). Each pair sums eight lanes of
// coordinates (a fixed order, whatever the thread count), then the lanes in order. Rows are shared
// among threads by equal numbers of pairs; each thread streams the updates block by block
// (blocks of all n updates sized for L2), so each update is read once per thread.
Napi::Value PairwiseSquaredDistances(const Napi::CallbackInfo& info) {
  const std::vector<const float*> vectors = Vectors(info, 0);
  double* out = F64(info, 1);
  const int64_t n = static_cast<int64_t>(vectors.size());
  std::fill(out, out + n * n, 0.0);
  if (n < 2) return info.Env().Undefined();
  const int64_t d = static_cast<int64_t>(info[0].As<Napi::Array>().Get(0u).As<Napi::TypedArray>().ElementLength());
  const int64_t block = std::max<int64_t>(kLanes, TileCoordinates(n, 2) / kLanes * kLanes);
  std::vector<double> lanes(static_cast<size_t>(n * n * kLanes), 0.0);
  const int threads = static_cast<int>(std::min<int64_t>(ThreadsFor(d * n * n / 2), n - 1));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const double pairs = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
    auto rowAt = [&](int part) -> int64_t {
      if (part >= nt) return n;
      const double target = pairs * part / nt;
      double seen = 0;
      int64_t i = 0;
      while (i < n && seen < target) seen += static_cast<double>(n - 1 - i++);
      return i;
    };
    const int64_t r0 = rowAt(t), r1 = rowAt(t + 1);
    for (int64_t b0 = 0; b0 < d && r0 < r1; b0 += block) {
      const int64_t len = std::min(block, d - b0);
      for (int64_t i = r0; i < r1; i++) DistanceLanes(lanes.data() + i * n * kLanes, vectors[i], vectors.data(), i + 1, n, b0, len);
    }
  }
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = i + 1; j < n; j++) {
      double s = 0;
      for (int l = 0; l < kLanes; l++) s += lanes[(i * n + j) * kLanes + l];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return info.Env().Undefined();
}

JOINTLY_CLONES
uint64_t SumWords(const uint64_t* p, int64_t words) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= words; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  for (; i < words; i++) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

// memoryBandwidth(bytes, seconds, threads): streams reads over a buffer of `bytes` (allocated and
// first touched by the reading threads) until `seconds` pass; GB/s (1e9 bytes) of the fastest pass.
Napi::Value MemoryBandwidth(const Napi::CallbackInfo& info) {
  const int64_t bytes = std::max<int64_t>(1 << 20, I(info, 0));
  const double seconds = D(info, 1);
  const int threads = std::max<int>(1, static_cast<int>(I(info, 2)));
  const int64_t words = bytes / 8;
  uint64_t* buf = static_cast<uint64_t*>(std::aligned_alloc(64, static_cast<size_t>(words * 8)));
  if (buf == nullptr) throw Napi::Error::New(info.Env(), "memoryBandwidth: could not allocate " + std::to_string(bytes) + " bytes");
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t i = 0; i < words; i++) buf[i] = static_cast<uint64_t>(i);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  double best = 1e30;
  uint64_t sink = 0;
  int passes = 0;
  while (passes < 2 || std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    const auto t0 = Clock::now();
    uint64_t s = 0;
#pragma omp parallel for schedule(static) reduction(+ : s) num_threads(threads)
    for (int t = 0; t < threads; t++) {
      const int64_t w0 = words * t / threads, w1 = words * (t + 1) / threads;
      s += SumWords(buf + w0, w1 - w0);
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    sink += s;
    passes++;
  }
  std::free(buf);
  // The sum is used, so the reads are not optimized away.
  if (sink == 42) best *= 1.0000001;
  return Napi::Number::New(info.Env(), static_cast<double>(words * 8) / best / 1e9);
}

}  // namespace

void InitAggregate(Napi::Object exports) {
  Export<WeightedMean>(exports, "aggregateWeightedMean");
  Export<WeightedUpdateSum>(exports, "aggregateWeightedUpdateSum");
  Export<CoordinateMedian>(exports, "aggregateCoordinateMedian");
  Export<TrimmedMean>(exports, "aggregateTrimmedMean");
  Export<PairwiseSquaredDistances>(exports, "aggregatePairwiseSquaredDistances");
  Export<MemoryBandwidth>(exports, "memoryBandwidth");
}

}  // namespace jointly
