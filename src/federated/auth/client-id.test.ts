import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIdSchema } from './client-id.js';

describe('clientIdSchema', () => {
  it('accepts plain ids and refuses the rest', () => {
    for (const id of ['hospital-a', 'a', 'A.b_c-9', 'x'.repeat(128)]) assert.ok(clientIdSchema.safeParse(id).success, id);
    for (const id of ['', '-a', '.hidden', 'a b', 'a/b', '../x', 'x'.repeat(129), 'é']) assert.ok(!clientIdSchema.safeParse(id).success, id);
  });
});
