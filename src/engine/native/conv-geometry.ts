/** tfjs's Conv2DInfo as the addon's geometry arrays, or null where oneDNN/the addon cannot take it. */
import type { backend_util } from '@tensorflow/tfjs-core';
import type { ConvGeometry, PoolGeometry } from './addon.js';

/** NHWC convolutions whose padding oneDNN can express (non-negative, consistent with the output size). */
export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry | null {
  if (info.dataFormat !== 'channelsLast') return null;
  const { top, left, bottom, right } = info.padInfo;
  if ([top, left, bottom, right].some((p) => !Number.isInteger(p) || p < 0)) return null;
  const ok = (size: number, pad: number, eff: number, stride: number, out: number): boolean =>
    Math.floor((size + pad - eff) / stride) + 1 === out;
  if (!ok(info.inHeight, top + bottom, info.effectiveFilterHeight, info.strideHeight, info.outHeight)) return null;
  if (!ok(info.inWidth, left + right, info.effectiveFilterWidth, info.strideWidth, info.outWidth)) return null;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels, info.filterHeight, info.filterWidth,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    top, left, bottom, right,
  ];
}

/** NHWC pooling without dilation. */
export function poolGeometry(info: backend_util.Conv2DInfo): PoolGeometry | null {
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ];
}
