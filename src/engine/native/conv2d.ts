/** Conv2D and FusedConv2D (bias and activation fused) on oneDNN, NHWC with HWIO filters. */
import { backend_util, Conv2D, FusedConv2D, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { ACTIVATIONS, nativeAddon } from './addon.js';
import { convGeometry } from './conv-geometry.js';
import { f32, input, output, size, withCpuFallback, type KernelArgs } from './kernel-utils.js';

type DataFormat = 'NHWC' | 'NCHW';

function conv(args: KernelArgs, kernelName: string, activation: number, bias: TensorInfo | undefined): TensorInfo | null {
  const { backend, attrs = {} } = args;
  const x = input(args, 'x', kernelName);
  const filter = input(args, 'filter', kernelName);
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (xv === null || wv === null || x.shape.length !== 4) return null;
  const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat ?? 'NHWC') as DataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides as [number, number] | number, attrs.dilations as [number, number] | number,
    attrs.pad as 'valid' | 'same' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false, dataFormat,
  );
  const geometry = convGeometry(info);
  if (geometry === null) return null;
  let bv: Float32Array | null = null;
  if (bias !== undefined) {
    bv = f32(backend, bias);
    if (bv === null || bv.length !== info.outChannels) return null;
  }
  const out = new Float32Array(size(info.outShape));
  nativeAddon().conv2d(xv, wv, bv, out, geometry, activation, Number(attrs.leakyreluAlpha ?? 0.2));
  return output(backend, info.outShape, out);
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2D, (args) => conv(args, Conv2D, 0, undefined)) as unknown as KernelFunc,
};

export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: 'native',
  kernelFunc: withCpuFallback(FusedConv2D, (args) => {
    const activation = ACTIVATIONS[String(args.attrs?.activation ?? 'linear')];
    if (activation === undefined || args.inputs.preluActivationWeights !== undefined) return null;
    return conv(args, FusedConv2D, activation, args.inputs.bias);
  }) as unknown as KernelFunc,
};
