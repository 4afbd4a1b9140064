// 2-D convolution (forward, backward data, backward weights) on oneDNN, NHWC data and HWIO
// filters as tfjs stores them. Primitives are created once per shape and cached.
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

  dnnl::convolution_forward::primitive_desc ForwardPd(bool bias) const {
    auto d = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                   Src(), Weights(), Bias(), Dst(), Strides(), Dilates(), PadL(), PadR())
                  : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                   Src(), Weights(), Dst(), Strides(), Dilates(), PadL(), PadR());
    return dnnl::convolution_forward::primitive_desc(d, Engine());
  }
};

struct Cached {
  dnnl::primitive prim;
  std::string impl;
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

const Cached& ForwardPrim(const Geometry& g, bool bias) {
  return Get((bias ? "fb:" : "f:") + g.Key(), [&]() {
    auto pd = g.ForwardPd(bias);
    return Cached{dnnl::convolution_forward(pd), pd.impl_info_str()};
  });
}

const Cached& BackwardDataPrim(const Geometry& g) {
  return Get("bd:" + g.Key(), [&]() {
    auto hint = g.ForwardPd(false);
    auto d = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, g.Src(), g.Weights(), g.Dst(),
                                                   g.Strides(), g.Dilates(), g.PadL(), g.PadR());
    auto pd = dnnl::convolution_backward_data::primitive_desc(d, Engine(), hint);
    return Cached{dnnl::convolution_backward_data(pd), pd.impl_info_str()};
  });
}

const Cached& BackwardWeightsPrim(const Geometry& g) {
  return Get("bw:" + g.Key(), [&]() {
    auto hint = g.ForwardPd(false);
    auto d = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.Src(), g.Weights(), g.Dst(),
                                                      g.Strides(), g.Dilates(), g.PadL(), g.PadR());
    auto pd = dnnl::convolution_backward_weights::primitive_desc(d, Engine(), hint);
    return Cached{dnnl::convolution_backward_weights(pd), pd.impl_info_str()};
  });
}

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
    const Cached& c = ForwardPrim(g, bias != nullptr);
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, Mem(g.Src(), x)}, {DNNL_ARG_WEIGHTS, Mem(g.Weights(), w)}, {DNNL_ARG_DST, Mem(g.Dst(), y)}};
    if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, Mem(g.Bias(), bias));
    Run(c.prim, args);
    ApplyActivation(y, g.n * g.oh * g.ow * g.o, static_cast<int>(I(info, 5)), static_cast<float>(D(info, 6)));
    return info.Env().Undefined();
  });
}

// conv2dBackpropInput(dy, w, dx, geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 3);
    const Cached& c = BackwardDataPrim(g);
    Run(c.prim, {{DNNL_ARG_DIFF_DST, Mem(g.Dst(), F32(info, 0))},
                 {DNNL_ARG_WEIGHTS, Mem(g.Weights(), F32(info, 1))},
                 {DNNL_ARG_DIFF_SRC, Mem(g.Src(), F32(info, 2))}});
    return info.Env().Undefined();
  });
}

// conv2dBackpropFilter(x, dy, dw, geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 3);
    const Cached& c = BackwardWeightsPrim(g);
    Run(c.prim, {{DNNL_ARG_SRC, Mem(g.Src(), F32(info, 0))},
                 {DNNL_ARG_DIFF_DST, Mem(g.Dst(), F32(info, 1))},
                 {DNNL_ARG_DIFF_WEIGHTS, Mem(g.Weights(), F32(info, 2))}});
    return info.Env().Undefined();
  });
}

// convImplementations(geometry): which oneDNN implementation each direction uses (for diagnostics).
Napi::Value ConvImplementations(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() {
    Geometry g = Geometry::From(info, 0);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("forward", ForwardPrim(g, false).impl);
    o.Set("backwardData", BackwardDataPrim(g).impl);
    o.Set("backwardWeights", BackwardWeightsPrim(g).impl);
    return static_cast<Napi::Value>(o);
  });
}

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("convImplementations", Napi::Function::New(env, ConvImplementations));
}

}  // namespace jointly
