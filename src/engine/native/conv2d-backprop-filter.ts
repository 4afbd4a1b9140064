/** Conv2DBackpropFilter (the filter gradient of a convolution) on oneDNN. */
import { backend_util, Conv2DBackpropFilter, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { convGeometry } from './conv-geometry.js';
import { f32, input, output, size, withCpuFallback } from './kernel-utils.js';

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2DBackpropFilter, (args) => {
    const { backend, attrs = {} } = args;
    const x = input(args, 'x', Conv2DBackpropFilter);
    const dy = input(args, 'dy', Conv2DBackpropFilter);
    const xv = f32(backend, x);
    const dyv = f32(backend, dy);
    const filterShape = attrs.filterShape as [number, number, number, number];
    if (xv === null || dyv === null || x.shape.length !== 4 || filterShape.length !== 4) return null;
    const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW');
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, attrs.strides as [number, number] | number, 1,
      attrs.pad as 'valid' | 'same' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false, dataFormat,
    );
    const geometry = convGeometry(info);
    if (geometry === null || size(dy.shape) !== size(info.outShape)) return null;
    const dw = new Float32Array(size(filterShape));
    nativeAddon().conv2dBackpropFilter(xv, dyv, dw, geometry);
    return output(backend, [...filterShape], dw);
  }) as unknown as KernelFunc,
};
