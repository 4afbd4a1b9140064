/**
 * Gaussian noise for differential privacy. By default the uniforms come from the platform's
 * cryptographic generator (WebCrypto `crypto.getRandomValues`, in Node and browsers alike), so
 * that nobody who knows the run's config and seed can predict, and subtract, the noise. A seeded
 * generator exists for reproducible simulations only: noise whose seed is known protects nothing.
 * Normal deviates by the Box–Muller transform of 53-bit uniforms. (Floating-point samplers are
 * known to leak through their low bits, Mironov 2012; the discrete Gaussian of Canonne et al.
 * 2020 would close that, and is not implemented.) Pure apart from the random source.
 */
import { createRng, deriveSeed } from '../../engine/random.js';

/** A source of uniform floats in (0, 1). */
export interface UniformSource {
  /** `out.length` uniforms in (0, 1), written into `out`. */
  fill(out: Float64Array): void;
  /** True for the cryptographic source; false for a seeded one (not private). */
  readonly secure: boolean;
}

/** WebCrypto limits one getRandomValues call to 65,536 bytes. */
const MAX_RANDOM_WORDS = 16384;

/** Uniforms from WebCrypto's cryptographic generator: 53 random bits each, never 0. */
export function secureUniforms(): UniformSource {
  const words = new Uint32Array(MAX_RANDOM_WORDS);
  return {
    secure: true,
    fill(out: Float64Array): void {
      for (let start = 0; start < out.length; start += MAX_RANDOM_WORDS / 2) {
        const n = Math.min(MAX_RANDOM_WORDS / 2, out.length - start);
        const view = words.subarray(0, 2 * n);
        globalThis.crypto.getRandomValues(view);
        for (let i = 0; i < n; i++) {
          // 26 + 27 bits → an integer in [0, 2^53), shifted by a half step so 0 cannot occur.
          const hi = view[2 * i] >>> 6;
          const lo = view[2 * i + 1] >>> 5;
          out[start + i] = (hi * 134217728 + lo + 0.5) / 9007199254740992;
        }
      }
    },
  };
}

/** Uniforms from a seeded generator (mulberry32 streams): reproducible, and therefore not private. */
export function seededUniforms(seed: number, label: string): UniformSource {
  const a = createRng(deriveSeed(seed, `${label}/a`));
  const b = createRng(deriveSeed(seed, `${label}/b`));
  return {
    secure: false,
    fill(out: Float64Array): void {
      for (let i = 0; i < out.length; i++) out[i] = (Math.floor(a.next() * 67108864) * 134217728 + Math.floor(b.next() * 134217728) + 0.5) / 9007199254740992;
    },
  };
}

/** Adds N(0, std²) to every entry of `values`, in place. `std` = 0 leaves them unchanged. */
export function addGaussianNoise(values: Float64Array | Float32Array, std: number, source: UniformSource): void {
  if (std === 0 || values.length === 0) return;
  const pairs = Math.ceil(values.length / 2);
  const u = new Float64Array(2 * Math.min(pairs, 65536));
  for (let p0 = 0; p0 < pairs; p0 += u.length / 2) {
    const n = Math.min(u.length / 2, pairs - p0);
    source.fill(u.subarray(0, 2 * n));
    for (let p = 0; p < n; p++) {
      const r = Math.sqrt(-2 * Math.log(u[2 * p])) * std;
      const t = 2 * Math.PI * u[2 * p + 1];
      const i = 2 * (p0 + p);
      values[i] += r * Math.cos(t);
      if (i + 1 < values.length) values[i + 1] += r * Math.sin(t);
    }
  }
}
