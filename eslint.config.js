// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Files that need Node.js. Everything else under src/ is browser-safe (the `jointly-ml` and
 * `jointly-ml/federated` entries): no Node built-ins, no `ws`, no Node globals, and no imports of
 * these files. src/entries.test.ts bundles the browser-safe entries for the browser to prove it.
 */
const NODE_ONLY = [
  'src/node.ts',
  'src/cli/**',
  'src/bench/**',
  'src/engine/native/**',
  'src/engine/backend.ts',
  'src/engine/model-io.ts',
  'src/engine/predict-saved-model.ts',
  'src/engine/node-io.ts',
  'src/data/files/**',
  'src/federated/network/**',
  'src/federated/simulation/**',
  'src/federated/auth/tokens.ts',
  'src/federated/server/checkpoint-file.ts',
  'src/federated/server/coordinator.ts',
  'src/federated/config.ts',
  'src/federated/api/**',
  'src/package-version.ts',
  'src/report/run-folder.ts',
  'src/report/durable-file.ts',
  'src/report/json-log.ts',
  'src/report/rotating-log-file.ts',
  'src/mutual/experiment.ts',
  'src/multitask/experiment.ts',
  'src/data/multitask/load.ts',
  'src/multimodal/experiment.ts',
  'src/multimodal/saved-model.ts',
  'src/data/multimodal/load.ts',
  'src/data/multimodal/spam-assassin.ts',
  'src/data/multimodal/manifest.ts',
  'src/data/multimodal/png.ts',
  'src/data/multimodal/image-descriptions-load.ts',
  'src/multimodal/federated/run-healthcare.ts',
  // tests and their helpers run in Node
  'src/**/*.test.ts',
  'src/**/testing.ts',
  'src/**/testing/**',
];

const NODE_BUILTINS = ['assert', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['dist/', '.build-*/', 'node_modules/', 'runs/', 'bench-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: NODE_ONLY,
    rules: {
      // type-only imports are erased at build time, so they may name Node-side modules
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...NODE_BUILTINS, 'ws'].map((name) => ({ name, message: 'browser-safe code (see NODE_ONLY in eslint.config.js) may not use Node built-ins or ws' })),
          patterns: [
            { regex: '^node:', message: 'browser-safe code (see NODE_ONLY in eslint.config.js) may not use Node built-ins' },
            {
              regex: '(^|/)(native|files|network|simulation|cli|bench|api)/|/(backend|model-io|node-io|run-folder|durable-file|json-log|rotating-log-file|experiment|tokens|checkpoint-file|coordinator|node|package-version)\\.js$|(multitask|multimodal)/load\\.js$|multimodal/(spam-assassin|manifest|png|image-descriptions-load|saved-model|run-healthcare)\\.js$',
              message: 'this module needs Node.js: browser-safe code may not import it (see NODE_ONLY in eslint.config.js)',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...['process', 'Buffer', '__dirname', '__filename', 'require', 'global'].map((name) => ({ name, message: 'browser-safe code may not use Node globals' }))],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
