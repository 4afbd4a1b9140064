/** MaxPool and MaxPoolGrad on NHWC data (native/pool.cc; the cpu backend's semantics). */
import { MaxPool, MaxPoolGrad } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { poolGradKernel, poolKernel } from './pool-kernels.js';

export const maxPoolConfig = poolKernel(MaxPool, (x, y, g) => nativeAddon().maxPool(x, y, g));

export const maxPoolGradConfig = poolGradKernel(MaxPoolGrad, (dy, x, dx, g) => nativeAddon().maxPoolGrad(dy, x, dx, g));
