/**
 * The federated healthcare example: synthetic hospital sites, each with a scan and a health record
 * per patient (data/multimodal/healthcare-sites.ts), trained through the federated simulation
 * (`runSimulation`, the code of `jointly simulate`) three times, with the image-only, record-only
 * and fused variants of one `multimodal` model spec. Each site is a client (its data given in
 * code); a fraction of its patients is held out as the site's own test set, on which the final
 * federated model (federated evaluation of the last round), the site's model trained alone and the
 * pooled model are scored. Returns the scores and the Markdown report (healthcare-report.ts).
 * Node-only (worker threads), like the simulation.
 */
import { join } from 'node:path';
import { deriveSeed } from '../../engine/random.js';
import { flatDataset, healthcareSites, RECORD_WIDTH, type HealthcareSites } from '../../data/multimodal/healthcare-sites.js';
import type { FederatedConfigInput } from '../../federated/config.js';
import type { ClientData } from '../../federated/simulation/client-data.js';
import { runSimulation, type SimulationEvent, type SimulationResult } from '../../federated/simulation/run-simulation.js';
import { HEALTHCARE_VARIANT_NAMES, HEALTHCARE_VARIANTS, parseHealthcareConfig, type FederatedHealthcareConfig, type HealthcareVariant } from './healthcare-config.js';
import { healthcareMarkdown, type ScoreCell, type SiteInfo, type VariantScores } from './healthcare-report.js';
import type { MultimodalTaskModelSpecInput } from './multimodal-model.js';

export interface HealthcareRunOptions {
  /** Each variant's simulation events (progress), with the variant's name. */
  onEvent?: (variant: HealthcareVariant, e: SimulationEvent) => void;
  /** Stops the run: the variant in progress stops after its current round, later variants do not run. */
  signal?: AbortSignal;
  /** Each variant saves its final global model in `<outDir>/<variant>/model/`; without it none is saved. */
  outDir?: string;
  /** The variants to run, in this order. Default all three. */
  variants?: readonly HealthcareVariant[];
}

export interface HealthcareVariantResult {
  scores: VariantScores;
  simulation: SimulationResult;
  /** Seconds the variant's simulation took. */
  seconds: number;
}

export interface HealthcareResult {
  config: FederatedHealthcareConfig;
  sites: SiteInfo[];
  sharedTestPatients: number;
  variants: Partial<Record<HealthcareVariant, HealthcareVariantResult>>;
  /** True when the signal stopped the run (the variants that finished are in `variants`). */
  interrupted: boolean;
  markdown: string;
  /** The scores as plain JSON (for report.json): no parameters, no simulation internals. */
  summary: HealthcareSummary;
  seconds: number;
}

export interface HealthcareSummary {
  sites: SiteInfo[];
  sharedTestPatients: number;
  variants: Partial<Record<HealthcareVariant, VariantScores & { seconds: number; backend: string }>>;
  interrupted: boolean;
  seconds: number;
}

/** The `multimodal` model spec of a variant: the scan as [S, S, 1], then the record, in the flat sample. */
export function healthcareModelSpec(config: FederatedHealthcareConfig, variant: HealthcareVariant): MultimodalTaskModelSpecInput {
  const S = config.data.imageSize;
  return {
    type: 'multimodal',
    modalities: {
      image: { slice: [0, S * S], shape: [S, S, 1], encoder: config.model.image },
      record: { slice: [S * S, S * S + RECORD_WIDTH], encoder: config.model.record },
    },
    use: [...HEALTHCARE_VARIANTS[variant]],
    fusion: config.model.fusion,
    init: config.model.init,
  };
}

/** The federated config the simulation runs for one variant. */
export function variantConfig(config: FederatedHealthcareConfig, variant: HealthcareVariant, saveModel: boolean): FederatedConfigInput {
  const baselines = config.baselines === 'all' || variant === 'fused';
  return {
    mode: 'federated',
    name: `${config.name}-${variant}`,
    seed: config.seed,
    backend: config.backend,
    model: healthcareModelSpec(config, variant),
    optimizer: config.optimizer,
    strategy: config.strategy,
    rounds: config.rounds,
    sampling: { ...config.sampling, evaluateEvery: config.sampling.evaluateEvery === 0 ? config.rounds : config.sampling.evaluateEvery, evaluateFraction: 1 },
    simulation: {
      clients: config.data.sites,
      ...(config.simulation.workers === undefined ? {} : { workers: config.simulation.workers }),
      clientTestFraction: config.simulation.clientTestFraction,
      baselines: { localOnly: baselines, pooled: baselines },
    },
    output: { saveModel, saveBest: false },
  };
}

/** The sites' data as the simulation takes it: each site a client, the shared test set pooled. */
export function healthcareClientData(sites: HealthcareSites): ClientData {
  return {
    clients: Object.fromEntries(sites.profiles.map((p, s) => [p.id, flatDataset(sites.sites[s], p.id)])),
    test: flatDataset(sites.test, 'the shared test set'),
  };
}

/** The per-site, all-sites and shared-test scores of one variant's simulation. */
export function variantScores(sim: SimulationResult, modalities: readonly string[]): VariantScores {
  const rounds = sim.config.rounds;
  const last = sim.federated.history.find((r) => r.round === rounds);
  const evaluations = last?.federatedEvaluation?.clients ?? [];
  const own = sim.baselines.clientTests;
  const perSite: Record<string, ScoreCell> = {};
  for (const id of sim.clientIds) {
    const fed = evaluations.find((e) => e.clientId === id);
    perSite[id] = {
      ...(own?.localOnly?.[id] === undefined ? {} : { alone: own.localOnly[id].accuracy }),
      ...(fed === undefined ? {} : { federated: fed.accuracy }),
      ...(own?.pooled?.[id] === undefined ? {} : { pooled: own.pooled[id].accuracy }),
    };
  }
  // Example-weighted over the sites' held-out patients (sites without a score left out).
  const weighted = (key: keyof ScoreCell): number | undefined => {
    let n = 0;
    let sum = 0;
    for (const e of evaluations) {
      const v = perSite[e.clientId]?.[key];
      if (v === undefined) continue;
      n += e.numExamples;
      sum += e.numExamples * v;
    }
    return n === 0 ? undefined : sum / n;
  };
  const allSites: ScoreCell = {};
  for (const key of ['alone', 'federated', 'pooled'] as const) {
    const v = weighted(key);
    if (v !== undefined) allSites[key] = v;
  }
  const localOnly = Object.values(sim.baselines.localOnly ?? {});
  const final = last?.evaluation?.accuracy;
  const sharedTest: ScoreCell = {
    ...(localOnly.length === 0 ? {} : { alone: localOnly.reduce((s, x) => s + x.accuracy, 0) / localOnly.length }),
    ...(final === undefined ? {} : { federated: final }),
    ...(sim.baselines.pooled === undefined ? {} : { pooled: sim.baselines.pooled.accuracy }),
  };
  return { modalities, perSite, allSites, sharedTest };
}

function describe(config: FederatedHealthcareConfig, sites: HealthcareSites): string {
  const S = config.data.imageSize;
  const n = sites.sites.reduce((s, p) => s + p.length, 0);
  const enc = (e: FederatedHealthcareConfig['model']['image']): string => (e.type === 'cnn' ? `cnn (${e.conv.map((c) => c.filters).join('-')} filters, dense [${e.dense.join(', ')}])` : `mlp [${e.hidden.join(', ')}]`);
  return [
    `${config.data.sites} synthetic hospital sites, ${n} patients (a ${S}×${S} scan and an ${RECORD_WIDTH}-value health record each; SYNTHETIC, see src/data/multimodal/healthcare-sites.ts), non-IID in class priors, ages, scanners and sizes;`,
    `${(config.simulation.clientTestFraction * 100).toFixed(0)}% of each site's patients held out as its own test set.`,
    `Image encoder ${enc(config.model.image)}, record encoder ${enc(config.model.record)}, fusion ${config.model.fusion.type}${config.model.fusion.hidden.length > 0 ? ` [${config.model.fusion.hidden.join(', ')}]` : ''}.`,
    `Strategy ${config.strategy.name ?? 'composed'}, ${config.rounds} rounds × ${config.strategy.localEpochs} local epoch(s), batch ${config.strategy.batchSize}, optimizer ${config.optimizer.name} lr ${config.optimizer.learningRate}; baselines trained ${config.rounds * config.strategy.localEpochs} epochs from the same initial model; seed ${config.seed}.`,
  ].join(' ');
}

/** Runs the example from a parsed or raw config (raw: validated here, a bad field is a ConfigError naming it). */
export async function runHealthcareExample(input: unknown, opts: HealthcareRunOptions = {}): Promise<HealthcareResult> {
  const started = performance.now();
  const config = parseHealthcareConfig(input);
  const sites = healthcareSites({
    sites: config.data.sites,
    ...(config.data.patientsPerSite === undefined ? {} : { patientsPerSite: config.data.patientsPerSite }),
    testPatientsPerSite: config.data.testPatientsPerSite,
    imageSize: config.data.imageSize,
    noise: config.data.noise,
    seed: config.data.seed ?? deriveSeed(config.seed, 'healthcare-sites'),
  });
  const data = healthcareClientData(sites);
  const variants: HealthcareResult['variants'] = {};
  let interrupted = false;
  let siteInfo: SiteInfo[] = [];
  for (const variant of opts.variants ?? HEALTHCARE_VARIANT_NAMES) {
    if (opts.signal?.aborted === true) {
      interrupted = true;
      break;
    }
    const t0 = performance.now();
    const simulation = await runSimulation(variantConfig(config, variant, opts.outDir !== undefined), {
      data,
      ...(opts.outDir === undefined ? {} : { outDir: join(opts.outDir, variant) }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      onEvent: (e) => opts.onEvent?.(variant, e),
    });
    if (simulation.federated.interrupted) {
      interrupted = true;
      break;
    }
    variants[variant] = { scores: variantScores(simulation, HEALTHCARE_VARIANTS[variant]), simulation, seconds: (performance.now() - t0) / 1000 };
    if (siteInfo.length === 0) siteInfo = sitesOf(sites, simulation);
  }
  const notes = [...(interrupted ? ['The run was stopped: only the variants that finished are reported.'] : []), ...noiseNote(siteInfo, variants.fused?.scores)];
  const markdown = healthcareMarkdown({
    title: 'Federated multimodal learning: synthetic hospital sites',
    description: describe(config, sites),
    sites: siteInfo,
    sharedTestPatients: sites.test.length,
    variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.scores])),
    notes,
  });
  const seconds = (performance.now() - started) / 1000;
  const summary: HealthcareSummary = {
    sites: siteInfo,
    sharedTestPatients: sites.test.length,
    variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, { ...v.scores, seconds: v.seconds, backend: v.simulation.backend }])),
    interrupted,
    seconds,
  };
  return { config, sites: siteInfo, sharedTestPatients: sites.test.length, variants, interrupted, markdown, summary, seconds };
}

/** How far one site's score moves by chance: the binomial standard error √(p(1 − p)/n) on the smallest held-out set. */
function noiseNote(sites: readonly SiteInfo[], fused: VariantScores | undefined): string[] {
  if (sites.length === 0) return [];
  const smallest = sites.reduce((a, b) => (b.heldOutPatients < a.heldOutPatients ? b : a));
  const p = fused?.perSite[smallest.id]?.federated;
  if (p === undefined || smallest.heldOutPatients === 0) return [];
  const se = Math.sqrt((p * (1 - p)) / smallest.heldOutPatients) * 100;
  return [`One seed. A site's accuracy has a binomial standard error of √(p(1 − p)/n): ±${se.toFixed(1)} pp on the smallest held-out set (${smallest.id}, ${smallest.heldOutPatients} patients), so per-site differences of a few points are noise; the all-sites rows pool every site's held-out patients.`];
}

/** The sites' table rows: sizes from the simulation (after the held-out split), profiles from the generator. */
function sitesOf(sites: HealthcareSites, sim: SimulationResult): SiteInfo[] {
  const last = sim.federated.history.find((r) => r.round === sim.config.rounds);
  return sites.profiles.map((p, s) => {
    const counts = sim.histograms[s];
    const train = sim.clientSizes[s];
    return {
      id: p.id,
      trainPatients: train,
      heldOutPatients: last?.federatedEvaluation?.clients.find((e) => e.clientId === p.id)?.numExamples ?? sites.sites[s].length - train,
      positiveRate: train === 0 ? 0 : counts[1] / train,
      meanAge: p.meanAge,
      scannerGain: p.scannerGain,
      scannerOffset: p.scannerOffset,
    };
  });
}
