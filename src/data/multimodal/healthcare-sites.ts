/**
 * Synthetic healthcare sites: K hospitals (default 4), each with its own patients, every patient
 * a small grey scan image and a tabular health record, and a binary diagnosis that needs both.
 * SYNTHETIC: no real patient data; the generator below, its constants and its seed are part of
 * the dataset's definition. Used by the federated multimodal example (src/multimodal/federated).
 *
 * For site s of K (t_s = s / (K − 1), or 0.5 when K = 1; frac(x) = x − ⌊x⌋; φ = 0.618034):
 * - patients: n_s = round(400 · 0.75^s) by default (quantity skew: 400, 300, 225, 169 for K = 4);
 * - every patient draws, from the site's stream (mulberry32 seeded with deriveSeed(seed,
 *   `site/<s>`), or `test/<s>` for the shared test set; normals by Box-Muller, both values used):
 *   - record (in this column order, the units they would have in a file):
 *     age = clip(μ_s + 9·z, 18, 95) years with μ_s = 48 + 26·t_s (the sites' populations differ:
 *     48 → 74 years); sex ~ Bernoulli(0.5) (1 = female); markerA = 3 + 1.5·z_A mg/L;
 *     markerB = 40 + 12·z_B U/L; markerC = 100 + 20·z mg/dL; bmi = 27 + 4·z kg/m²;
 *     systolic = 125 + 15·z mmHg; smoker ~ Bernoulli(0.25);
 *   - record score b = 0.7·z_A + 0.45·z_B + 0.35·(age − 60)/9 + 0.4·(smoker − 0.25): only the
 *     record shows it (sex, markerC, bmi and systolic are distractors);
 *   - lesion score a ~ N(0, 1): only the image shows it;
 *   - diagnosis y = 1 (`positive`) when a + b + noise·ε > 0, ε ~ N(0, 1) (noise default 0.4),
 *     else 0 (`negative`). So neither modality alone is enough: from a alone (or b alone) about
 *     three patients in four are classified right, from both about nine in ten;
 *   - image, S×S (default 16) pixels, row-major, pixel (r, c) at (r + 0.5, c + 0.5): a Gaussian
 *     blob (the lesion) centred at (cy, cx) uniform in [S/4, 3S/4]², of width
 *     σ = clip(S/8 · (1 + 0.35·a), S/20, 0.3·S) and peak h = max(0.2, 0.6 + 0.1·a), seen through the
 *     site's scanner: pixel = g_s · h · exp(−d² / (2σ²)) + o_s + 0.08·z, with gain
 *     g_s = 0.8 + 0.4·frac(s·φ) and offset o_s = 0.15·(frac((s + 1)·φ) − 0.5): the lesion's size
 *     and intensity carry a, the scanners shift and scale the intensities.
 * - sites are non-IID three ways: class priors (older sites have more positives, through the
 *   record score's age term), feature distributions (ages; scanner gain and offset) and sizes.
 * - the shared test set holds `testPatientsPerSite` new patients of every site, drawn the same way.
 *
 * In the flat form (`flatDataset`) a patient is one float vector [S·S pixels, 8 record values],
 * the record scaled by fixed reference ranges (`RECORD_REFERENCE`: (value − centre) / scale, the
 * same on every site, so no site's statistics are needed). In the multimodal form
 * (`multimodalDataset`) the modalities are `image` ([S, S, 1]) and `record` (tabular, raw units).
 * Pure, no tfjs.
 */
import { ConfigError } from '../../errors.js';
import { createRng, deriveSeed, type Rng } from '../../engine/random.js';
import { makeDataset, type Dataset } from '../dataset.js';
import { checkMultimodalDataset, type MultimodalDataset } from '../../multimodal/modality.js';

/** The record's columns, in order, with the fixed centre and scale of the flat form. */
export const RECORD_REFERENCE = [
  { name: 'age', unit: 'years', centre: 60, scale: 15 },
  { name: 'sex', unit: '1 = female', centre: 0.5, scale: 0.5 },
  { name: 'markerA', unit: 'mg/L', centre: 3, scale: 1.5 },
  { name: 'markerB', unit: 'U/L', centre: 40, scale: 12 },
  { name: 'markerC', unit: 'mg/dL', centre: 100, scale: 20 },
  { name: 'bmi', unit: 'kg/m²', centre: 27, scale: 4 },
  { name: 'systolic', unit: 'mmHg', centre: 125, scale: 15 },
  { name: 'smoker', unit: '1 = yes', centre: 0.25, scale: 0.5 },
] as const;

export const RECORD_NAMES: readonly string[] = RECORD_REFERENCE.map((c) => c.name);
export const RECORD_WIDTH = RECORD_REFERENCE.length;
export const HEALTHCARE_CLASSES = ['negative', 'positive'] as const;
const GOLDEN = 0.618034;

export interface HealthcareSitesOptions {
  /** Number of sites K. Default 4. */
  sites?: number;
  /** Patients per site: one number for every site, or one per site. Default round(400 · 0.75^s). */
  patientsPerSite?: number | readonly number[];
  /** New patients of every site in the shared test set. Default 100. */
  testPatientsPerSite?: number;
  /** Side S of the square images. Default 16. */
  imageSize?: number;
  /** Standard deviation of the diagnosis noise. Default 0.4. */
  noise?: number;
  /** Seed of every draw. Default 0. */
  seed?: number;
}

/** Patients as drawn: images, raw records, diagnoses, and the latent scores (for checks). */
export interface HealthcarePatients {
  readonly length: number;
  /** Side of the images. */
  readonly imageSize: number;
  /** length × S × S pixels, row-major. */
  readonly images: Float32Array;
  /** length × 8 record values in raw units (RECORD_REFERENCE order). */
  readonly records: Float32Array;
  /** Diagnosis, 0 negative, 1 positive. */
  readonly labels: Int32Array;
  /** The site of every patient. */
  readonly sites: Int32Array;
  /** Lesion score a (what the image shows). */
  readonly lesionScores: Float32Array;
  /** Record score b (what the record shows). */
  readonly recordScores: Float32Array;
}

/** One site's scanner and population. */
export interface SiteProfile {
  readonly id: string;
  readonly meanAge: number;
  readonly scannerGain: number;
  readonly scannerOffset: number;
}

export interface HealthcareSites {
  readonly profiles: readonly SiteProfile[];
  /** Each site's own patients. */
  readonly sites: readonly HealthcarePatients[];
  /** New patients of every site, pooled: the shared test set. */
  readonly test: HealthcarePatients;
}

const frac = (x: number): number => x - Math.floor(x);
const clip = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** The profile of site s of K (see the file comment). Ids are `site-0`, `site-1`, .... */
export function siteProfile(s: number, k: number): SiteProfile {
  const t = k === 1 ? 0.5 : s / (k - 1);
  return {
    id: `site-${s}`,
    meanAge: 48 + 26 * t,
    scannerGain: 0.8 + 0.4 * frac(s * GOLDEN),
    scannerOffset: 0.15 * (frac((s + 1) * GOLDEN) - 0.5),
  };
}

/** Standard normals from a uniform stream, by Box-Muller (both values of each pair used). */
function normals(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u = 1 - rng.next(); // in (0, 1]: log(u) is finite
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Draws `n` patients of one site (see the file comment for the model). */
export function drawPatients(profile: SiteProfile, siteIndex: number, n: number, opts: { imageSize: number; noise: number; seed: number }): HealthcarePatients {
  const S = opts.imageSize;
  const rng = createRng(opts.seed);
  const z = normals(rng);
  const images = new Float32Array(n * S * S);
  const records = new Float32Array(n * RECORD_WIDTH);
  const labels = new Int32Array(n);
  const lesionScores = new Float32Array(n);
  const recordScores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const age = clip(profile.meanAge + 9 * z(), 18, 95);
    const sex = rng.next() < 0.5 ? 1 : 0;
    const zA = z();
    const zB = z();
    const markerC = 100 + 20 * z();
    const bmi = 27 + 4 * z();
    const systolic = 125 + 15 * z();
    const smoker = rng.next() < 0.25 ? 1 : 0;
    const b = 0.7 * zA + 0.45 * zB + (0.35 * (age - 60)) / 9 + 0.4 * (smoker - 0.25);
    const a = z();
    labels[i] = a + b + opts.noise * z() > 0 ? 1 : 0;
    lesionScores[i] = a;
    recordScores[i] = b;
    records.set([age, sex, 3 + 1.5 * zA, 40 + 12 * zB, markerC, bmi, systolic, smoker], i * RECORD_WIDTH);
    const cy = S / 4 + rng.next() * (S / 2);
    const cx = S / 4 + rng.next() * (S / 2);
    const sigma = clip((S / 8) * (1 + 0.35 * a), S / 20, 0.3 * S);
    const peak = Math.max(0.2, 0.6 + 0.1 * a);
    const base = i * S * S;
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < S; c++) {
        const d2 = (r + 0.5 - cy) ** 2 + (c + 0.5 - cx) ** 2;
        images[base + r * S + c] = profile.scannerGain * peak * Math.exp(-d2 / (2 * sigma * sigma)) + profile.scannerOffset + 0.08 * z();
      }
    }
  }
  return { length: n, imageSize: S, images, records, labels, sites: new Int32Array(n).fill(siteIndex), lesionScores, recordScores };
}

/** Concatenates patients (e.g. every site's test patients). */
export function concatPatients(parts: readonly HealthcarePatients[]): HealthcarePatients {
  const S = parts[0].imageSize;
  const n = parts.reduce((s, p) => s + p.length, 0);
  const cat = <T extends Float32Array | Int32Array>(make: (len: number) => T, pick: (p: HealthcarePatients) => T, width: number): T => {
    const out = make(n * width);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += p.length * width;
    }
    return out;
  };
  const f32 = (len: number): Float32Array => new Float32Array(len);
  const i32 = (len: number): Int32Array => new Int32Array(len);
  return {
    length: n,
    imageSize: S,
    images: cat(f32, (p) => p.images, S * S),
    records: cat(f32, (p) => p.records, RECORD_WIDTH),
    labels: cat(i32, (p) => p.labels, 1),
    sites: cat(i32, (p) => p.sites, 1),
    lesionScores: cat(f32, (p) => p.lesionScores, 1),
    recordScores: cat(f32, (p) => p.recordScores, 1),
  };
}

/** Every site's patients and the shared test set. Throws a ConfigError naming the bad option. */
export function healthcareSites(options: HealthcareSitesOptions = {}): HealthcareSites {
  const k = options.sites ?? 4;
  const S = options.imageSize ?? 16;
  const noise = options.noise ?? 0.4;
  const seed = options.seed ?? 0;
  const testN = options.testPatientsPerSite ?? 100;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError('sites', `must be a positive integer, got ${k}`, 'give the number of sites, e.g. 4');
  if (!Number.isInteger(S) || S < 8) throw new ConfigError('imageSize', `must be an integer of at least 8, got ${S}`, 'use 16 (the default) or 28');
  if (!Number.isFinite(noise) || noise < 0) throw new ConfigError('noise', `must be a finite number ≥ 0, got ${noise}`, 'use 0.4 (the default)');
  if (!Number.isInteger(testN) || testN < 1) throw new ConfigError('testPatientsPerSite', `must be a positive integer, got ${testN}`, 'e.g. 100');
  const given = options.patientsPerSite;
  const sizes = Array.from({ length: k }, (_, s) => (given === undefined ? Math.round(400 * 0.75 ** s) : typeof given === 'number' ? given : given[s]));
  if (Array.isArray(given) && given.length !== k) throw new ConfigError('patientsPerSite', `lists ${given.length} sizes for ${k} sites`, 'give one size per site, or one number for every site');
  sizes.forEach((n, s) => {
    if (!Number.isInteger(n) || n < 2) throw new ConfigError('patientsPerSite', `site ${s} would have ${n} patients`, 'give every site at least 2 patients');
  });
  const profiles = Array.from({ length: k }, (_, s) => siteProfile(s, k));
  const draw = { imageSize: S, noise };
  const sites = profiles.map((p, s) => drawPatients(p, s, sizes[s], { ...draw, seed: deriveSeed(seed, `site/${s}`) }));
  const test = concatPatients(profiles.map((p, s) => drawPatients(p, s, testN, { ...draw, seed: deriveSeed(seed, `test/${s}`) })));
  return { profiles, sites, test };
}

/** Samples of the flat form: S·S pixels then the 8 scaled record values. */
export function flatWidth(imageSize: number): number {
  return imageSize * imageSize + RECORD_WIDTH;
}

/** The flat form: one float vector per patient, [S·S pixels, (record − centre) / scale]. */
export function flatDataset(p: HealthcarePatients, source = 'healthcare sites'): Dataset {
  const pixels = p.imageSize * p.imageSize;
  const width = flatWidth(p.imageSize);
  const features = new Float32Array(p.length * width);
  for (let i = 0; i < p.length; i++) {
    features.set(p.images.subarray(i * pixels, (i + 1) * pixels), i * width);
    for (let j = 0; j < RECORD_WIDTH; j++) {
      const ref = RECORD_REFERENCE[j];
      features[i * width + pixels + j] = (p.records[i * RECORD_WIDTH + j] - ref.centre) / ref.scale;
    }
  }
  return makeDataset({ features, sampleShape: [width], labels: p.labels, numClasses: 2, classNames: [...HEALTHCARE_CLASSES] }, source);
}

/** The multimodal form: `image` [S, S, 1] and `record` (tabular, raw units). */
export function multimodalDataset(p: HealthcarePatients, source = 'healthcare sites'): MultimodalDataset {
  return checkMultimodalDataset(
    {
      length: p.length,
      modalities: {
        image: { kind: 'image', values: p.images, shape: [p.imageSize, p.imageSize, 1] },
        record: { kind: 'tabular', numeric: p.records, numericNames: RECORD_NAMES, categorical: [], categoricalNames: [] },
      },
      labels: p.labels,
      numClasses: 2,
      classNames: HEALTHCARE_CLASSES,
    },
    source,
  );
}
