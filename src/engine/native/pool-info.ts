/** The Pool2DInfo of a pooling kernel's attributes, as the cpu kernels compute it. */
import { backend_util, type NamedAttrMap } from '@tensorflow/tfjs-core';

export function poolInfo(xShape: readonly number[], attrs: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    xShape as [number, number, number, number], attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number, 1, attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}
