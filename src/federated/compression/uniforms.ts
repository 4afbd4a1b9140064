/**
 * The sources of uniform randomness the stochastic codecs accept, behind one filler. Pure: the
 * caller chooses the source (a seeded `Rng` from `engine/random.ts` in simulations, a cryptographic
 * `UniformSource` from `privacy/gaussian-noise.ts` on real clients; both fit).
 */
import { ConfigError } from '../../errors.js';

/**
 * A source of uniforms in [0, 1): a function returning one, an object with `next()` (an `Rng`), or
 * an object with `fill(out)` writing `out.length` of them (a `UniformSource`). A bare
 * `(out: Float64Array) => void` must be wrapped as `{ fill }`, since a function is taken as `() => number`.
 */
export type UniformInput =
  | (() => number)
  | {
      /** The next uniform in [0, 1) (an `Rng`). */
      next(): number;
    }
  | {
      /** Writes `out.length` uniforms in [0, 1) into `out` (a `UniformSource`). */
      fill(out: Float64Array): void;
    };

/** A function filling `out` with uniforms in [0, 1) from `input`; throws ConfigError if the source yields anything else. */
export function uniformFiller(input: UniformInput, what: string): (out: Float64Array) => void {
  const check = (out: Float64Array): void => {
    for (let i = 0; i < out.length; i++) {
      const u = out[i];
      if (!(u >= 0 && u < 1)) throw new ConfigError(what, `the uniform source returned ${u}, outside [0, 1)`);
    }
  };
  if (typeof input === 'function') {
    return (out) => {
      for (let i = 0; i < out.length; i++) out[i] = input();
      check(out);
    };
  }
  if (typeof input === 'object' && input !== null) {
    if ('fill' in input && typeof input.fill === 'function') {
      return (out) => {
        input.fill(out);
        check(out);
      };
    }
    if ('next' in input && typeof input.next === 'function') {
      return (out) => {
        for (let i = 0; i < out.length; i++) out[i] = input.next();
        check(out);
      };
    }
  }
  throw new ConfigError(what, 'must be a function () => number, an object with next(), or an object with fill(out)');
}
