/**
 * `npm run bench:multimodal`: the multimodal benchmark (not in CI; it trains for tens of minutes).
 *
 * 1. fashion: every registered fusion on two-view noisy Fashion-MNIST (configs/multimodal-fusions-fashion.json),
 *    each against both views alone and the ensemble of the two, with the robustness table;
 * 2. spam: every fusion on the SpamAssassin corpus, header (a table) and body (text)
 *    (configs/multimodal-spam.json);
 * 3. contrastive: CLIP and SigLIP alignment of images and their descriptions (configs/multimodal-image-descriptions.json):
 *    recall@1/5/10 both ways, zero-shot accuracy from the class prompts, the linear probe;
 * 4. reference and reference-missing (not in the default parts): the two-view reference protocol
 *    (configs/reference-two-view-fashion.json) and its variant with modality dropout and learned
 *    missing embeddings (configs/reference-two-view-fashion-missing.json).
 *
 * Every part runs its config with 3 seeds (--seeds) and writes bench-results/multimodal-<part>.{md,json}.
 * Flags: --parts fashion,spam,contrastive[,reference,reference-missing] --seeds 0,1,2 --epochs N --max-train N --backend auto --out bench-results
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '../engine/backend.js';
import { MultimodalConfigSchema, type MultimodalConfig } from '../multimodal/config.js';
import { loadConfigData } from '../multimodal/experiment.js';
import { listFusions } from '../multimodal/fusions/registry.js';
import { multimodalMarkdown, summarizeMultimodal } from '../multimodal/multimodal-report.js';
import { runMultimodal } from '../multimodal/run-multimodal.js';
import type { MultimodalResult } from '../multimodal/result.js';

const PARTS: Record<string, { configs: string[]; everyFusion: boolean }> = {
  fashion: { configs: ['multimodal-fusions-fashion.json'], everyFusion: true },
  spam: { configs: ['multimodal-spam.json'], everyFusion: true },
  contrastive: { configs: ['multimodal-image-descriptions.json', 'multimodal-image-descriptions-siglip.json'], everyFusion: false },
  reference: { configs: ['reference-two-view-fashion.json'], everyFusion: false },
  'reference-missing': { configs: ['reference-two-view-fashion-missing.json'], everyFusion: false },
};

function configPath(name: string): string {
  return fileURLToPath(new URL(`../../configs/${name}`, import.meta.url));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      parts: { type: 'string', default: 'fashion,spam,contrastive' },
      seeds: { type: 'string', default: '0,1,2' },
      epochs: { type: 'string' },
      'max-train': { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const parts = values.parts.split(',');
  for (const p of parts) if (!(p in PARTS)) throw new Error(`unknown part '${p}'; use ${Object.keys(PARTS).join(', ')}`);
  const seeds = values.seeds.split(',').map(Number);
  const backend = await selectBackend(values.backend as MultimodalConfig['backend']);
  console.log(`backend: ${backend.name} (${backend.reason})`);
  mkdirSync(values.out, { recursive: true });
  for (const part of parts) {
    const sections: string[] = [];
    const results: unknown[] = [];
    for (const file of PARTS[part].configs) {
      const raw = JSON.parse(readFileSync(configPath(file), 'utf8')) as Record<string, unknown>;
      const training = { ...(raw.training as object), ...(values.epochs === undefined ? {} : { epochs: Number(values.epochs) }) };
      const data = { ...(raw.data as object), ...(values['max-train'] === undefined ? {} : { maxTrain: Number(values['max-train']) }) };
      const fusions = PARTS[part].everyFusion ? listFusions().map((f) => ({ name: f.name })) : raw.fusions;
      const config = MultimodalConfigSchema.parse({ ...raw, seeds, training, data, fusions, backend: backend.name });
      const started = performance.now();
      console.log(`\n${part}: ${file} (${config.fusions.length} fusion(s), seeds ${seeds.join(', ')}, ${config.training.epochs} epochs)`);
      // One seed at a time, the tables rewritten after each: a long part that is stopped keeps the seeds it finished.
      let result: MultimodalResult | undefined;
      for (const seed of seeds) {
        const one = await runMultimodal(
          { ...config, seeds: [seed] },
          {
            loadData: loadConfigData,
            backend: backend.name,
            onEvent: (e) => {
              if (e.type === 'phase-end') console.log(`  seed ${e.seed} ${e.phase.kind === 'alone' ? `${e.phase.modality} alone` : `fused ${e.phase.fusion}`}: ${(e.accuracy * 100).toFixed(2)}% (${e.seconds.toFixed(0)} s)`);
              if (e.type === 'teaching-end') console.log(e.markdown);
            },
          },
        );
        result = result === undefined ? one : { ...result, seeds: [...result.seeds, ...one.seeds] };
        const minutes = (performance.now() - started) / 60000;
        const done = result.seeds.map((x) => x.seed).join(',');
        const md = [...sections, `<!-- ${file}: npm run bench:multimodal -- --parts ${part} (seeds ${done}: ${minutes.toFixed(1)} min on ${backend.name}) -->\n${multimodalMarkdown(result)}`].join('\n');
        writeFileSync(join(values.out, `multimodal-${part}.md`), md);
        writeFileSync(join(values.out, `multimodal-${part}.json`), JSON.stringify([...results, { config: file, minutes, result, summary: summarizeMultimodal(result) }], null, 2));
      }
      if (result === undefined) continue;
      const minutes = (performance.now() - started) / 60000;
      sections.push(`<!-- ${file}: npm run bench:multimodal -- --parts ${part} (${minutes.toFixed(1)} min on ${backend.name}) -->\n${multimodalMarkdown(result)}`);
      results.push({ config: file, minutes, result, summary: summarizeMultimodal(result) });
    }
    const md = sections.join('\n');
    writeFileSync(join(values.out, `multimodal-${part}.md`), md);
    writeFileSync(join(values.out, `multimodal-${part}.json`), JSON.stringify(results, null, 2));
    console.log(`\n${md}\nwrote ${join(values.out, `multimodal-${part}.md`)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
