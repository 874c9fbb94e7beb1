/**
 * TF.js Layers in and out. The oracle is @tensorflow/tfjs-layers itself (CPU backend): our
 * export, loaded with `loadLayersModel` from the files we wrote, gives our outputs (1e-4) on
 * zoo models; models built in tfjs-layers and saved by it import into prunequant with the
 * same outputs; Model → TF.js → prunequant gives the same outputs (1e-5), and TF.js's
 * quantized forms stay within their quantization error. Bad files fail naming file and layer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  TfjsFormatError, exportTfjsModel, finalActivationOf, importTfjsModel, loadTfjsModel, saveTfjsModel,
} from '../../src/io/index.js';
import { f16BitsToF32, f32ToF16Bits } from '../../src/kernels/index.js';
import { BatchNorm2d, Mask, createModel, type Model } from '../../src/nn/index.js';
import { Tensor, noGrad, scope } from '../../src/tensor/index.js';
import { maxRelError, randomFloats } from '../helpers/assert.js';
import { saveLayersModel, tfjsPredict, toNhwc } from '../helpers/tfjs.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-tfjs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await tf.setBackend('cpu');
});

function ours(model: Model, x: Float32Array, n: number): Float32Array {
  return scope(() => noGrad(() => model.forward(Tensor.from(x, [n, ...model.inputShape])).toArray()));
}

/** Non-trivial BN statistics and affine params, so BN conversion is really tested. */
function warmBatchNorm(model: Model): void {
  model.nodes.forEach((n, i) => {
    if (!(n.layer instanceof BatchNorm2d)) return;
    const c = n.layer.cfg.channels;
    n.layer.gamma.assign(randomFloats(c, 11 + i, 0.5, 1.5));
    n.layer.beta.assign(randomFloats(c, 13 + i, -0.3, 0.3));
    n.layer.runningMean.view().set(randomFloats(c, 17 + i, -0.2, 0.2));
    n.layer.runningVar.view().set(randomFloats(c, 19 + i, 0.5, 2));
  });
}

const logitsFloor = (y: Float32Array) => 0.01 * y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('TF.js export runs in tfjs-layers with our outputs', () => {
  for (const name of ['lenet5', 'mnist-cnn', 'resnet20', 'mobilenetv2-small']) {
    it(`${name}: loadLayersModel from our files gives our logits (1e-4)`, async () => {
      const model = createModel(name, { seed: 3 });
      try {
        warmBatchNorm(model);
        const out = join(dir, `export-${name}`);
        const { path } = saveTfjsModel(model, out);
        const shape = [2, ...model.inputShape];
        const x = randomFloats(shape.reduce((a, b) => a * b, 1), 5, 0, 1);
        const expected = ours(model, x, 2);
        const actual = await tfjsPredict(path, x, shape);
        assert.equal(actual.length, expected.length);
        const err = maxRelError(actual, expected, logitsFloor(expected));
        assert.ok(err < 1e-4, `${name}: tfjs differs from ours by ${err}`);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('Model → TF.js → prunequant', () => {
  for (const name of ['lenet5', 'mnist-cnn', 'resnet20']) {
    it(`${name}: same outputs (1e-5), same graph size, pruned zeros kept`, () => {
      const model = createModel(name, { seed: 4 });
      try {
        warmBatchNorm(model);
        // Prune the first conv by half so exact zeros must survive the transposes.
        const [, w] = model.namedParams().find(([k]) => k.endsWith('.weight'))!;
        w.setMask(new Mask(w.size, Array.from({ length: w.size }, (_, i) => i % 2)));
        const path = saveTfjsModel(model, join(dir, `rt-${name}`)).path;
        const back = loadTfjsModel(path);
        try {
          assert.equal(back.format, 'tfjs');
          assert.deepEqual(back.model.inputShape, model.inputShape);
          assert.equal(back.model.paramCount(), model.paramCount());
          const x = randomFloats(2 * model.inputShape.reduce((a, b) => a * b, 1), 6, 0, 1);
          const expected = ours(model, x, 2), actual = ours(back.model, x, 2);
          assert.ok(maxRelError(actual, expected, logitsFloor(expected)) < 1e-5);
          const firstBack = back.model.namedParams().find(([k]) => k.endsWith('.weight'))![1].value.toArray();
          const zerosOurs = w.value.toArray().filter((v) => v === 0).length;
          assert.equal(firstBack.filter((v) => v === 0).length, zerosOurs, 'pruned zeros survive');
          assert.equal(back.meta['inputLayout'], 'nhwc');
        } finally {
          back.model.dispose();
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('quantized exports stay within their quantization error and keep pruned zeros', () => {
    const model = createModel('lenet5', { seed: 5 });
    try {
      const [, w] = model.namedParams().find(([k]) => k.endsWith('.weight'))!;
      w.setMask(new Mask(w.size, Array.from({ length: w.size }, (_, i) => (i % 3 === 0 ? 0 : 1))));
      for (const q of ['uint8', 'uint16', 'float16'] as const) {
        const path = saveTfjsModel(model, join(dir, `q-${q}`), { quantize: q }).path;
        const back = loadTfjsModel(path);
        try {
          const params = new Map(back.model.namedParams());
          for (const [k, p] of model.namedParams()) {
            const a = params.get(k)!.value.toArray(), e = p.value.toArray();
            // One affine step is (max − min) / (2^b − 1); half of it is the worst rounding error.
            const span = Math.max(...e, 0) - Math.min(...e, 0);
            const tol = q === 'float16' ? Math.max(...e.map(Math.abs)) * 2 ** -11 : (0.5 + 1e-6) * span / (q === 'uint8' ? 255 : 65535) + 1e-7;
            const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - e[i]!)), 0);
            assert.ok(worst <= tol, `${q} ${k}: error ${worst} > ${tol}`);
          }
          const first = back.model.namedParams().find(([k]) => k.endsWith('.weight'))![1].value.toArray();
          first.forEach((v, i) => { if (i % 3 === 0) assert.equal(v, 0, `${q}: pruned weight ${i} is ${v}`); });
        } finally {
          back.model.dispose();
        }
      }
    } finally {
      model.dispose();
    }
  });
});

describe('models built and saved by tfjs-layers import', () => {
  /** Saves a tfjs model with tfjs's own writer (artifacts → model.json + one shard). */
  const saveWithTfjs = (m: tfl.LayersModel, sub: string, specsEdit?: (s: tf.io.WeightsManifestEntry[]) => void) => saveLayersModel(m, join(dir, sub), specsEdit);

  function expectSame(m: tfl.LayersModel, path: string, [c, h, w]: [number, number, number]) {
    const imported = loadTfjsModel(path);
    const x = randomFloats(2 * c * h * w, 8, 0, 1);
    const expected = tf.tidy(() => (m.predict(tf.tensor4d(toNhwc(x, [2, c, h, w]), [2, h, w, c])) as tf.Tensor).dataSync().slice()) as Float32Array;
    const actual = ours(imported.model, x, 2);
    return { imported, err: maxRelError(actual, expected, logitsFloor(expected)) };
  }

  it('a functional model with fused activations, BN, depthwise, same/valid pads, GAP, Add, Concatenate and a final softmax', async () => {
    const input = tfl.input({ shape: [12, 12, 3], name: 'img' });
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', biasInitializer: 'randomNormal' }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.batchNormalization({ name: 'bn', betaInitializer: 'randomNormal', gammaInitializer: 'randomUniform', movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones' }).apply(a) as tfl.SymbolicTensor;
    const d = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, name: 'dw' }).apply(b) as tfl.SymbolicTensor;
    const e = tfl.layers.conv2d({ filters: 8, kernelSize: 1, name: 'pw' }).apply(b) as tfl.SymbolicTensor;
    const s = tfl.layers.add({ name: 'sum' }).apply([d, e]) as tfl.SymbolicTensor;
    const r = tfl.layers.reLU({ maxValue: 6, name: 'r6' }).apply(s) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ axis: -1, name: 'cat' }).apply([r, b]) as tfl.SymbolicTensor;
    const p = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'mp' }).apply(cat) as tfl.SymbolicTensor;
    const q = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', name: 'c2' }).apply(p) as tfl.SymbolicTensor;
    const g = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(q) as tfl.SymbolicTensor;
    const o = tfl.layers.dense({ units: 5, activation: 'softmax', name: 'out' }).apply(g) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: o });
    const path = await saveWithTfjs(m, 'tfjs-functional');
    const imported = loadTfjsModel(path);
    try {
      // The softmax is dropped for training (meta says so); ours plus a softmax is tfjs's output.
      assert.deepEqual(imported.meta['finalActivation'], { kind: 'softmax', axis: 1, coerce2d: false });
      const x = randomFloats(2 * 3 * 144, 9, 0, 1);
      const logits = ours(imported.model, x, 2);
      const probs = Array.from({ length: 2 }, (_, b) => {
        const row = logits.subarray(b * 5, b * 5 + 5), mx = Math.max(...row);
        const ex = Array.from(row, (v) => Math.exp(v - mx)), sum = ex.reduce((s2, v) => s2 + v, 0);
        return ex.map((v) => v / sum);
      }).flat();
      const expected = tf.tidy(() => (m.predict(tf.tensor4d(toNhwc(x, [2, 3, 12, 12]), [2, 12, 12, 3])) as tf.Tensor).dataSync().slice()) as Float32Array;
      const worst = probs.reduce((mm, v, i) => Math.max(mm, Math.abs(v - expected[i]!)), 0);
      assert.ok(worst < 1e-5, `softmax of our logits differs from tfjs by ${worst}`);
      // Exported again with the softmax, tfjs gives the original model's outputs.
      const again = saveTfjsModel(imported.model, join(dir, 'tfjs-functional-again'), { finalActivation: finalActivationOf(imported.meta) }).path;
      const y2 = await tfjsPredict(again, x, [2, 3, 12, 12]);
      assert.ok(maxRelError(y2, expected, 1e-3) < 1e-4);
    } finally {
      imported.model.dispose();
    }
  });

  it('a Sequential model with flatten → dense (NHWC feature order), dropout, avg pool, leaky ReLU and ZeroPadding2D', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.zeroPadding2d({ inputShape: [10, 9, 2], padding: [[1, 1], [2, 2]], name: 'zp' }),
        tfl.layers.conv2d({ filters: 3, kernelSize: [3, 4], strides: [2, 1], name: 'c', activation: 'sigmoid' }),
        tfl.layers.averagePooling2d({ poolSize: 2, name: 'ap' }),
        tfl.layers.leakyReLU({ alpha: 0.2, name: 'lr' }),
        tfl.layers.flatten({ name: 'fl' }),
        tfl.layers.dropout({ rate: 0.3, name: 'do' }),
        tfl.layers.dense({ units: 7, name: 'fc', activation: 'relu' }),
        tfl.layers.dense({ units: 3, name: 'fc2' }),
      ],
    });
    const path = await saveWithTfjs(m, 'tfjs-seq');
    const { imported, err } = expectSame(m, path, [2, 10, 9]);
    try {
      assert.ok(err < 1e-5, `sequential import differs by ${err}`);
      assert.equal(imported.meta['finalActivation'], null);
    } finally {
      imported.model.dispose();
    }
  });

  it('uint8, uint16 and float16 weights written with tfjs-core encodings decode as tfjs decodes them', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, name: 'c' }), tfl.layers.flatten({ name: 'f' }), tfl.layers.dense({ units: 4, name: 'd' })] });
    const base = JSON.parse(readFileSync(await saveWithTfjs(m, 'tfjs-q-base'), 'utf8'));
    const floats = new Float32Array(readFileSync(join(dir, 'tfjs-q-base', 'w.bin')).buffer.slice(0));
    for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
      // Encode by hand (independent of our encoder), then let tfjs-core decode it as the oracle.
      const specs = (base.weightsManifest[0].weights as tf.io.WeightsManifestEntry[]).map((s) => ({ ...s }));
      const chunks: Uint8Array[] = [];
      let at = 0;
      for (const s of specs) {
        const n = s.shape.reduce((a, b) => a * b, 1);
        const vals = floats.subarray(at, at + n);
        at += n;
        if (dtype === 'float16') {
          s.quantization = { dtype: 'float16' };
          chunks.push(new Uint8Array(Uint16Array.from(vals, f32ToF16Bits).buffer));
        } else {
          const min = Math.min(...vals), max = Math.max(...vals), levels = dtype === 'uint8' ? 255 : 65535;
          const scale = (max - min) / levels;
          s.quantization = { dtype, min, scale };
          const codes = Array.from(vals, (v) => Math.round((v - min) / scale));
          chunks.push(new Uint8Array((dtype === 'uint8' ? Uint8Array.from(codes) : Uint16Array.from(codes)).buffer));
        }
      }
      const data = new Uint8Array(Buffer.concat(chunks));
      const oracle = tf.io.decodeWeights(data.buffer, specs);
      const json = { ...base, weightsManifest: [{ paths: ['w.bin'], weights: specs }] };
      const imported = importTfjsModel(json, data, { fileName: `${dtype}.json` });
      try {
        const params = new Map(imported.model.namedParams());
        // Compare in TF layout: the dense kernel [in, out] equals ours transposed.
        const dk = oracle['d/kernel']!.dataSync(), ours2 = params.get('d.weight')!.value.toArray();
        const [fin, units] = [18, 4];
        for (let r = 0; r < fin; r++) for (let o = 0; o < units; o++) {
          // After a flatten of [3, 3, 2] (h, w, c): TF row r is our (c, h, w) feature.
          const ourIndex = (r % 2) * 9 + Math.floor(r / 2);
          assert.equal(ours2[o * fin + ourIndex], dk[r * units + o], `${dtype} d/kernel[${r}, ${o}]`);
        }
        assert.deepEqual(Array.from(params.get('d.bias')!.value.toArray()), Array.from(oracle['d/bias']!.dataSync()));
      } finally {
        imported.model.dispose();
        Object.values(oracle).forEach((t) => t.dispose());
      }
    }
  });
});

describe('float16 conversion', () => {
  it('the project\'s float16 (src/kernels) matches the IEEE binary16 values tfjs decodes, with round half to even', () => {
    // Hand-computed: 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff (max), 2^-24 = 0x0001 (smallest subnormal),
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10 and rounds to even (0x3c00); 1 + 3·2^-11 rounds up to 0x3c02.
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -24, 0x0001], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1e6, 0x7c00], [0, 0], [2 ** -26, 0]];
    for (const [v, bits] of cases) assert.equal(f32ToF16Bits(v), bits, `f32ToF16Bits(${v})`);
    for (const [v, bits] of cases.slice(0, 4)) assert.equal(f16BitsToF32(bits), v);
    const xs = randomFloats(1000, 3, -70000, 70000);
    const oracle = tf.io.decodeWeights(new Uint16Array(Array.from(xs, f32ToF16Bits)).buffer, [{ name: 'x', shape: [1000], dtype: 'float32', quantization: { dtype: 'float16' } }]);
    const decoded = oracle['x']!.dataSync();
    xs.forEach((_, i) => assert.equal(f16BitsToF32(f32ToF16Bits(xs[i]!)), decoded[i]));
    oracle['x']!.dispose();
  });
});

describe('bad TF.js files', () => {
  let good: string;
  before(() => {
    const model = createModel('lenet5', { seed: 1 });
    good = saveTfjsModel(model, join(dir, 'bad-base'), { shardBytes: 100_000 }).path;
    model.dispose();
  });

  const variant = (name: string, edit: (json: Record<string, any>) => void): string => {
    const json = JSON.parse(readFileSync(good, 'utf8'));
    edit(json);
    const p = join(dir, 'bad-base', `${name}.json`);
    writeFileSync(p, JSON.stringify(json));
    return p;
  };
  const expectError = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TfjsFormatError, `not a TfjsFormatError: ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });

  it('a manifest naming a missing shard names the file and shard', () => {
    const p = variant('missing', (j) => { j.weightsManifest[0].paths[1] = 'nope.bin'; });
    expectError(() => loadTfjsModel(p), /missing\.json.*shard 'nope\.bin' cannot be read \(ENOENT\)/);
  });

  it('a short shard names the weight that runs past the data', () => {
    const shard = join(dir, 'bad-base', 'short.bin');
    const last = JSON.parse(readFileSync(good, 'utf8')).weightsManifest[0].paths.at(-1);
    writeFileSync(shard, readFileSync(join(dir, 'bad-base', last)));
    truncateSync(shard, 10);
    const p = variant('short', (j) => { j.weightsManifest[0].paths[j.weightsManifest[0].paths.length - 1] = 'short.bin'; });
    expectError(() => loadTfjsModel(p), /short\.json, weight '.*': needs bytes .* \(a shard is missing or short\)/);
  });

  it('unknown layer types are listed all at once', () => {
    const p = variant('unknown', (j) => {
      const layers = j.modelTopology.config.layers;
      layers[1].class_name = 'Conv3D';
      layers[3].class_name = 'LSTM';
    });
    expectError(() => loadTfjsModel(p), /unsupported layer types: Conv3D \(conv0\), LSTM \(maxpool2\)/);
  });

  it('a kernel of the wrong shape, a missing weight, NaN weights, bad JSON and a non-image input name the place', () => {
    expectError(() => loadTfjsModel(variant('shape', (j) => { j.weightsManifest[0].weights[0].shape = [5, 5, 6, 1]; })), /layer 'conv0' \(Conv2D\): weight 'conv0\/kernel' has shape \[5, 5, 6, 1\], expected \[5, 5, 1, 6\]/);
    expectError(() => loadTfjsModel(variant('noweight', (j) => { j.weightsManifest[0].weights[0].name = 'other/kernel'; })), /layer 'conv0' \(Conv2D\): weight 'conv0\/kernel' is not in weightsManifest/);
    expectError(() => loadTfjsModel(variant('input', (j) => { j.modelTopology.config.layers[0].config.batch_input_shape = [null, 784]; })), /layer 'input' \(InputLayer\): input shape/);
    const nan = join(dir, 'nan');
    const model = createModel('lenet5', { seed: 1 });
    const { modelJson, shards } = exportTfjsModel(model);
    model.dispose();
    const bytes = new Uint8Array(Buffer.concat(shards.map((s) => s.bytes)));
    new Float32Array(bytes.buffer, 0, 1)[0] = NaN;
    expectError(() => importTfjsModel(modelJson, bytes, { fileName: nan }), /weight 'conv0\/kernel': value \[0\] is NaN/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"modelTopology": ');
    expectError(() => loadTfjsModel(junk), /junk\.json: is not valid JSON/);
    assert.ok(existsSync(good));
  });
});
