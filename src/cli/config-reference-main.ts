/**
 * Prints docs/config-reference.md on stdout, generated from the schemas and the doc comments of
 * the sources in this clone's src/: `node dist/cli/config-reference-main.js > docs/config-reference.md`.
 */
import { fileURLToPath } from 'node:url';
import { generateConfigReference } from './config-reference-sources.js';

const { markdown, missing } = generateConfigReference(fileURLToPath(new URL('../../src/', import.meta.url)));
process.stdout.write(markdown);
if (missing.length > 0) process.stderr.write(`config-reference: ${missing.length} field(s) without a doc comment: ${missing.join(', ')}\n`);
