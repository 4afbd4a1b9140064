import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listWeightings } from './registry.js';
import { gradientMethodContract } from './testing.js';

const gradientMethods = listWeightings().filter((w) => w.kind === 'gradient');

test('the contract runs on every gradient method of the registry', () => {
  // Guards against the loop silently running on nothing (a registry or `kind` mix-up).
  const names = gradientMethods.map((w) => w.name);
  for (const name of ['gradnorm', 'mgda', 'pcgrad', 'graddrop', 'imtl', 'gradvac', 'cagrad', 'nash-mtl', 'aligned-mtl', 'db-mtl', 'upgrad']) {
    assert.ok(names.includes(name), `${name} is a registered gradient method`);
  }
});

for (const method of gradientMethods) gradientMethodContract(method);
