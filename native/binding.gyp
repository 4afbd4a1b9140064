{
  "targets": [
    {
      "target_name": "jointly_native",
      "sources": ["addon.cc", "gemm.cc", "conv.cc", "pool.cc", "elementwise.cc", "reduce.cc", "optimizer.cc", "train.cc", "aggregate.cc", "loss.cc", "signals.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fno-math-errno", "-ffp-contract=off"],
      "libraries": ["-ldnnl", "-lopenblas", "-fopenmp"]
    }
  ]
}
