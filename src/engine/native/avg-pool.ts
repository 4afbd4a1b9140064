/** AvgPool and AvgPoolGrad on NHWC data (native/pool.cc; the cpu backend's semantics). */
import { AvgPool, AvgPoolGrad } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { poolGradKernel, poolKernel } from './pool-kernels.js';

export const avgPoolConfig = poolKernel(AvgPool, (x, y, g) => nativeAddon().avgPool(x, y, g));

export const avgPoolGradConfig = poolGradKernel(AvgPoolGrad, (dy, _x, dx, g) => nativeAddon().avgPoolGrad(dy, dx, g));
