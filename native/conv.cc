// 2-D convolution (forward, backward data, backward weights) on oneDNN, NHWC data and HWIO
// filters as tfjs stores them. Primitives are created once per shape and cached.
//
// The forward primitive is created with format_tag::any for data and weights, so oneDNN picks its
// blocked layouts and a jit direct implementation; the user's NHWC/HWIO data are reordered in and
// out through cached reorders and buffers. With every layout plain oneDNN falls back to
// x64:gemm:jit, 3-5x slower on the small-channel convolutions of LeNet-like models even counting
// the reorders. The backward primitives keep the data NHWC and leave only the weights' layout to
// oneDNN, which then picks its avx512 jit kernels for NHWC data: measured on LeNet's step (oneDNN
// time per step, ONEDNN_VERBOSE), 1.09 ms against 1.42 with blocked data for backward weights
// (jit:avx2 on 6 channels, plus two reorders of the 64x24x24x6 activations) and plain layouts for
// backward data (x64:gemm:jit, 0.49 ms for the 6->16-channel 5x5 convolution alone); as whole
// steps 9-11% faster on LeNet and the CNN. Data in NHWC for the forward was slower (brgconv).
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include "common.h"

namespace jointly {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// One engine, stream and primitive cache per thread: the addon is loaded once per process but
// used from every worker thread (the federated simulation trains clients on several), and a
// oneDNN stream must not be used by two threads at once.
dnnl::engine& Engine() {
  thread_local dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  thread_local dnnl::stream stream(Engine());
  return stream;
}

// Geometry of one convolution, read from the JS params array:
// [n, h, w, c, o, kh, kw, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight]
struct Geometry {
  int64_t n, h, w, c, o, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;

  static Geometry From(const Napi::CallbackInfo& info, size_t i) {
    Napi::Array a = info[i].As<Napi::Array>();
    if (a.Length() != 17) throw Napi::TypeError::New(info.Env(), "conv geometry must have 17 numbers");
    int64_t v[17];
    for (uint32_t k = 0; k < 17; k++) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
    return Geometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  }

  // Multiply-accumulates of the convolution (the same in each direction).
  int64_t Macs() const { return n * oh * ow * o * kh * kw * c; }

  std::string Key() const {
    std::string k;
    for (int64_t x : {n, h, w, c, o, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr}) k += std::to_string(x) + ",";
    return k;
  }

  memory::desc Src() const { return memory::desc({n, c, h, w}, dt::f32, tag::nhwc); }
  memory::desc Weights() const { return memory::desc({o, c, kh, kw}, dt::f32, tag::hwio); }
  memory::desc Bias() const { return memory::desc({o}, dt::f32, tag::a); }
  memory::desc Dst() const { return memory::desc({n, o, oh, ow}, dt::f32, tag::nhwc); }
  memory::dims Strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (no dilation), tfjs from 1.
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {pt, pl}; }
  memory::dims PadR() const { return {pb, pr}; }

  // Same shapes, layout left to oneDNN.
  memory::desc AnySrc() const { return memory::desc({n, c, h, w}, dt::f32, tag::any); }
  memory::desc AnyWeights() const { return memory::desc({o, c, kh, kw}, dt::f32, tag::any); }
  memory::desc AnyDst() const { return memory::desc({n, o, oh, ow}, dt::f32, tag::any); }

  // any: layouts chosen by oneDNN (the weights' only, with nxc: data stay NHWC); relu: fused as a post-op.
  dnnl::convolution_forward::primitive_desc ForwardPd(bool bias, bool any, bool relu = false, bool nxc = false) const {
    const memory::desc s = any && !nxc ? AnySrc() : Src(), wt = any ? AnyWeights() : Weights(), d = any && !nxc ? AnyDst() : Dst();
    auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                      s, wt, Bias(), d, Strides(), Dilates(), PadL(), PadR())
                     : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                      s, wt, d, Strides(), Dilates(), PadL(), PadR());
    dnnl::primitive_attr attr;
    if (relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    return dnnl::convolution_forward::primitive_desc(desc, attr, Engine());
  }
};

// A primitive argument in the primitive's own layout: when it differs from the user's, a buffer
// of this thread's cache and the reorder between the two.
struct Port {
  bool reorder = false;
  mutable memory inner;
  dnnl::reorder copy;

  static Port Make(const memory::desc& user, const memory::desc& prim, bool input) {
    Port p;
    if (user == prim) return p;
    p.reorder = true;
    p.inner = memory(prim, Engine());
    p.copy = input ? dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), user, Engine(), prim))
                   : dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), prim, Engine(), user));
    return p;
  }
};

struct Cached {
  dnnl::primitive prim;
  std::string impl;
  // Forward: src, weights, dst. Backward weights: src, diff_dst, diff_weights. Backward data: the weights in b.
  Port a, b, out;
};

// Primitive cache of this thread, keyed by kind and geometry.
std::unordered_map<std::string, Cached>& Cache() {
  thread_local std::unordered_map<std::string, Cached> cache;
  return cache;
}

const Cached& Get(const std::string& key, const std::function<Cached()>& make) {
  auto it = Cache().find(key);
  if (it == Cache().end()) it = Cache().emplace(key, make()).first;
  return it->second;
}

void Run(const dnnl::primitive& prim, const std::unordered_map<int, memory>& args) {
  prim.execute(Stream(), args);
  Stream().wait();
}

memory Mem(const memory::desc& md, const float* p) { return memory(md, Engine(), const_cast<float*>(p)); }

// Runs prim with inputs a and b and output out, reordering through the ports where needed.
void RunPorts(const Cached& c, int argA, memory userA, int argB, memory userB, int argOut, memory userOut,
              std::unordered_map<int, memory> extra = {}) {
  dnnl::stream& s = Stream();
  if (c.a.reorder) c.a.copy.execute(s, userA, c.a.inner);
  if (c.b.reorder) c.b.copy.execute(s, userB, c.b.inner);
  extra.emplace(argA, c.a.reorder ? c.a.inner : userA);
  extra.emplace(argB, c.b.reorder ? c.b.inner : userB);
  extra.emplace(argOut, c.out.reorder ? c.out.inner : userOut);
  c.prim.execute(s, extra);
  if (c.out.reorder) c.out.copy.execute(s, c.out.inner, userOut);
  s.wait();
}

const Cached& ForwardPrim(const Geometry& g, bool bias, bool relu) {
  return Get(std::string(bias ? "fb" : "f") + (relu ? "r:" : ":") + g.Key(), [&]() {
    auto pd = g.ForwardPd(bias, true, relu);
    return Cached{dnnl::convolution_forward(pd), pd.impl_info_str(), Port::Make(g.Src(), pd.src_desc(), true),
                  Port::Make(g.Weights(), pd.weights_desc(), true), Port::Make(g.Dst(), pd.dst_desc(), false)};
  });
}

const Cached& BackwardDataPrim(const Geometry& g) {
  return Get("bd:" + g.Key(), [&]() {
    auto hint = g.ForwardPd(false, true, false, true);
    auto d = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, g.Src(), g.AnyWeights(), g.Dst(),
                                                   g.Strides(), g.Dilates(), g.PadL(), g.PadR());
    auto pd = dnnl::convolution_backward_data::primitive_desc(d, Engine(), hint);
    return Cached{dnnl::convolution_backward_data(pd), pd.impl_info_str(), {}, Port::Make(g.Weights(), pd.weights_desc(), true), {}};
  });
}

const Cached& BackwardWeightsPrim(const Geometry& g) {
  return Get("bw:" + g.Key(), [&]() {
    auto hint = g.ForwardPd(false, true, false, true);
    auto d = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.Src(), g.AnyWeights(), g.Dst(), g.Strides(), g.Dilates(), g.PadL(), g.PadR());
    auto pd = dnnl::convolution_backward_weights::primitive_desc(d, Engine(), hint);
    return Cached{dnnl::convolution_backward_weights(pd), pd.impl_info_str(), Port::Make(g.Src(), pd.src_desc(), true),
                  Port::Make(g.Dst(), pd.diff_dst_desc(), true), Port::Make(g.Weights(), pd.diff_weights_desc(), false)};
  });
}

// Convolutions below this many multiply-accumulates run on one thread (their primitives are made
// and run under the same count, keyed by geometry). Measured on a 2-core VM at JOINTLY_THREADS=2:
// with OpenMP threads that sleep at once, LeNet's step (convolutions of 5.5M and 9.8M MACs) took
// 6.2 ms with every convolution on two threads against 2.5 ms on one; with libgomp's short spin,
// 2.5 against 2.1-2.2 ms, while the CNN's (7.2M and 58M) gained from its larger one on two threads
// (4.1-4.4 ms against 4.7-5.9 with both on one). The threads now sleep at once (PASSIVE, see
// src/engine/native/addon.ts); at this bound the CNN's 2-thread step matched its 1-thread one in
// npm run bench (15,317 and 15,337 samples/s).
constexpr int64_t kSmallConv = int64_t{1} << 24;

template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F f) {
  try {
    return f();
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  }
}

// conv2d(x, w, bias|null, y, geometry, activation, alpha)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    const float* x = F32(info, 0);
    const float* w = F32(info, 1);
    const float* bias = info[2].IsNull() ? nullptr : F32(info, 2);
    float* y = F32(info, 3);
    Geometry g = Geometry::From(info, 4);
    OmpThreads threads(g.Macs() < kSmallConv);
    const int activation = static_cast<int>(I(info, 5));
    const bool relu = activation == kRelu;
    const Cached& c = ForwardPrim(g, bias != nullptr, relu);
    std::unordered_map<int, memory> extra;
    if (bias != nullptr) extra.emplace(DNNL_ARG_BIAS, Mem(g.Bias(), bias));
    RunPorts(c, DNNL_ARG_SRC, Mem(g.Src(), x), DNNL_ARG_WEIGHTS, Mem(g.Weights(), w), DNNL_ARG_DST, Mem(g.Dst(), y), extra);
    if (!relu) ApplyActivation(y, g.n * g.oh * g.ow * g.o, activation, static_cast<float>(D(info, 6)));
    return info.Env().Undefined();
  });
}

// conv2dBackpropInput(dy, w, dx, geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 3);
    OmpThreads threads(g.Macs() < kSmallConv);
    const Cached& c = BackwardDataPrim(g);
    memory wu = Mem(g.Weights(), F32(info, 1));
    if (c.b.reorder) c.b.copy.execute(Stream(), wu, c.b.inner);
    Run(c.prim, {{DNNL_ARG_DIFF_DST, Mem(g.Dst(), F32(info, 0))},
                 {DNNL_ARG_WEIGHTS, c.b.reorder ? c.b.inner : wu},
                 {DNNL_ARG_DIFF_SRC, Mem(g.Src(), F32(info, 2))}});
    return info.Env().Undefined();
  });
}

// conv2dBackpropFilter(x, dy, dw, geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 3);
    OmpThreads threads(g.Macs() < kSmallConv);
    const Cached& c = BackwardWeightsPrim(g);
    RunPorts(c, DNNL_ARG_SRC, Mem(g.Src(), F32(info, 0)), DNNL_ARG_DIFF_DST, Mem(g.Dst(), F32(info, 1)),
             DNNL_ARG_DIFF_WEIGHTS, Mem(g.Weights(), F32(info, 2)));
    return info.Env().Undefined();
  });
}

// convImplementations(geometry): which oneDNN implementation each direction uses (for diagnostics).
Napi::Value ConvImplementations(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 0);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("forward", ForwardPrim(g, false, false).impl);
    o.Set("backwardData", BackwardDataPrim(g).impl);
    o.Set("backwardWeights", BackwardWeightsPrim(g).impl);
    return static_cast<Napi::Value>(o);
  });
}

}  // namespace

void InitConv(Napi::Object exports) {
  Export<Conv2D>(exports, "conv2d");
  Export<Conv2DBackpropInput>(exports, "conv2dBackpropInput");
  Export<Conv2DBackpropFilter>(exports, "conv2dBackpropFilter");
  Export<ConvImplementations>(exports, "convImplementations");
}

}  // namespace jointly
