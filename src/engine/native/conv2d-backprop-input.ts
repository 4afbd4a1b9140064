/** Conv2DBackpropInput (the input gradient of a convolution) on oneDNN, computed when first read (kernel-utils lazyOutput). */
import { backend_util, Conv2DBackpropInput, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { convGeometry } from './conv-geometry.js';
import { f32, input, lazyOutput, size, withCpuFallback } from './kernel-utils.js';

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2DBackpropInput, (args) => {
    const { backend, attrs = {} } = args;
    const dy = input(args, 'dy', Conv2DBackpropInput);
    const filter = input(args, 'filter', Conv2DBackpropInput);
    const dyv = f32(backend, dy);
    const wv = f32(backend, filter);
    const inputShape = attrs.inputShape as [number, number, number, number];
    if (dyv === null || wv === null || inputShape.length !== 4) return null;
    const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW');
    const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], attrs.strides as [number, number] | number, 1,
      attrs.pad as 'valid' | 'same' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false, dataFormat,
    );
    const geometry = convGeometry(info);
    if (geometry === null || size(dy.shape) !== size(info.outShape)) return null;
    // Lazy: FusedConv2D's gradient also computes the gradient of the first layer's (untrained) input.
    return lazyOutput(backend, [...inputShape], () => {
      const dx = new Float32Array(size(inputShape));
      nativeAddon().conv2dBackpropInput(dyv, wv, dx, geometry);
      return dx;
    });
  }) as unknown as KernelFunc,
};
