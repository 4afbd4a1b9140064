/** Test helpers of the strategy runtime tests: a small, easy CSV task on disk. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../engine/random.js';

/**
 * Writes `train.csv` into `dir`: `rows` rows of six noisy features and a label in {a, b, c},
 * where the class lifts two of the features (learnable by a small MLP in a few rounds; chance
 * 1/3). Seeded, the same every time. Returns the file's path.
 */
export function writeThreeClassCsv(dir: string, rows: number): string {
  const path = join(dir, 'train.csv');
  const rng = createRng(1);
  const lines = ['f0,f1,f2,f3,f4,f5,label'];
  for (let i = 0; i < rows; i++) {
    const y = i % 3;
    const cells = Array.from({ length: 6 }, (_, j) => ((j % 3 === y ? 1 : -0.5) + (rng.next() - 0.5) * 2).toFixed(4));
    lines.push(`${cells.join(',')},${['a', 'b', 'c'][y]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
