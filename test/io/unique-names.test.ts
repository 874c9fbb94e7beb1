// UniqueNames: a free name as asked, a taken one with the first free suffix, reserved names never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UniqueNames } from '../../src/io/unique-names.js';

test('UniqueNames hands each name out once, with _1, _2 suffixes after the first', () => {
  const names = new UniqueNames(['input', 'conv_1']);
  assert.deepEqual(['conv', 'conv', 'conv', 'input', 'fc'].map((n) => names.claim(n)), ['conv', 'conv_2', 'conv_3', 'input_1', 'fc']);
  assert.equal(names.claim('conv_2'), 'conv_2_1');
});
