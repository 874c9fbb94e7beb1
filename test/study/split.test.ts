import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, makeDataset, imageSize, type Dataset } from '../../src/data/index.js';
import { carveValidation, loadStudyData, studySources, validateStudyConfig } from '../../src/study/index.js';

function numbered(count: number): Dataset {
  const images = new Float32Array(count * 4), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    images.fill(i, i * 4, i * 4 + 4);
    labels[i] = i % 10;
  }
  return makeDataset({ name: 'numbered', images, labels, count, shape: [1, 2, 2], classes: 10 });
}

test('carveValidation: disjoint parts that together are the training split, seeded', () => {
  const ds = numbered(100);
  const a = carveValidation(ds, 20, 7);
  assert.equal(a.val.count, 20);
  assert.equal(a.train.count, 80);
  const val = new Set(a.valIndices), train = new Set(a.trainIndices);
  assert.equal(val.size, 20);
  for (const i of train) assert.ok(!val.has(i), `index ${i} in both`);
  assert.equal(new Set([...val, ...train]).size, 100);
  // Images follow their indices (each image is filled with its index).
  a.valIndices.forEach((src, i) => assert.equal(a.val.images[i * 4], src));
  assert.deepEqual(carveValidation(ds, 20, 7).valIndices, a.valIndices);
  assert.notDeepEqual(carveValidation(ds, 20, 8).valIndices, a.valIndices);
  assert.throws(() => carveValidation(ds, 100, 0), /validation split: 100 images asked of a training split of 100/);
});

test('the study\'s validation split comes from the training split, never the test split, and no training batch holds a validation image', () => {
  const config = validateStudyConfig({ data: { trainLimit: 3000, validation: 500, testLimit: 1000 } });
  const data = loadStudyData(config.data);
  const raw = loadDataset('mnist', { trainLimit: 3000, testLimit: 1000 });
  const per = imageSize(raw.train);
  const key = (images: Float32Array, i: number) => Buffer.from(images.buffer, images.byteOffset + i * per * 4, per * 4).toString('base64');
  // Every validation image is the training image its index names.
  data.valIndices.forEach((src, i) => assert.equal(key(data.val.images, i), key(raw.train.images, src)));
  const valKeys = new Set(Array.from({ length: data.val.count }, (_, i) => key(data.val.images, i)));
  const testKeys = new Set(Array.from({ length: raw.test.count }, (_, i) => key(raw.test.images, i)));
  for (const k of valKeys) assert.ok(!testKeys.has(k), 'a validation image is a test image');
  assert.equal(data.test.count, 1000);
  const trainKeys = new Set(Array.from({ length: data.train.count }, (_, i) => key(data.train.images, i)));
  for (const k of valKeys) assert.ok(!trainKeys.has(k), 'a validation image is in the training data');
  // The batches fit draws (shuffled, standardised) and the validation batches, standardised the same way.
  const { train, val } = studySources(data);
  const batchKeys = (batches: Iterable<{ images: Float32Array; labels: Int32Array }>) => {
    const keys = new Set<string>();
    for (const b of batches) for (let i = 0; i < b.labels.length; i++) keys.add(key(b.images, i));
    return keys;
  };
  const valBatchKeys = batchKeys(val.batches(100));
  const trainBatchKeys = batchKeys(train.batches(64, 1));
  assert.equal(valBatchKeys.size, data.val.count);
  for (const k of trainBatchKeys) assert.ok(!valBatchKeys.has(k), 'a training batch holds a validation image');
  assert.equal(data.train.count + data.val.count, 3000);
});
