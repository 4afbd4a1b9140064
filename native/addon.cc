// The jointly native addon: module entry, thread control and build information.
#include <omp.h>
#include <dnnl.hpp>
#include "common.h"

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace jointly {

namespace {
int configuredThreads = 1;
}  // namespace

int ConfiguredThreads() { return configuredThreads; }

OpenblasThreads::OpenblasThreads(bool single) : changed_(single && configuredThreads > 1) {
  if (changed_) openblas_set_num_threads(1);
}
OpenblasThreads::~OpenblasThreads() {
  if (changed_) openblas_set_num_threads(configuredThreads);
}

OmpThreads::OmpThreads(bool single) : changed_(single && configuredThreads > 1) {
  if (changed_) omp_set_num_threads(1);
}
OmpThreads::~OmpThreads() {
  if (changed_) omp_set_num_threads(configuredThreads);
}

namespace {

// setThreads(n): the number of threads for OpenBLAS, oneDNN and the addon's own loops.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(I(info, 0));
  if (n < 1) n = 1;
  configuredThreads = n;
  openblas_set_num_threads(n);
  omp_set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

// What the addon was built with and runs on.
Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("openblas", std::string(openblas_get_config()));
  o.Set("openblasCore", std::string(openblas_get_corename()));
  o.Set("threads", omp_get_max_threads());
  o.Set("openblasThreads", openblas_get_num_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Export<SetThreads>(exports, "setThreads");
  Export<GetThreads>(exports, "getThreads");
  Export<BuildInfo>(exports, "buildInfo");
  InitGemm(exports);
  InitConv(exports);
  InitPool(exports);
  InitElementwise(exports);
  InitReduce(exports);
  InitOptimizer(exports);
  InitTrain(exports);
  InitAggregate(exports);
  InitLoss(exports);
  return exports;
}

}  // namespace
}  // namespace jointly

static Napi::Object InitJointlyNative(Napi::Env env, Napi::Object exports) { return jointly::Init(env, exports); }

NODE_API_MODULE(jointly_native, InitJointlyNative)
