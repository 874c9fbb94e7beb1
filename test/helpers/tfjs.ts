/** tfjs-layers as an oracle: run a model.json from disk, and save a tfjs-layers model as files. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

/** NCHW → NHWC for one batch. */
export function toNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let k = 0; k < c!; k++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) {
    out[((b * h! + y) * w! + z) * c! + k] = x[((b * c! + k) * h! + y) * w! + z]!;
  }
  return out;
}

/** A tfjs IOHandler reading model.json and its shards from disk, as a browser would fetch them. */
function fileHandler(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const parts = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(path, '..', p))));
        return [specs, new Uint8Array(Buffer.concat(parts)).buffer];
      });
    },
  };
}

/** tfjs-layers' output for NCHW input `xNchw` of `shape`, fed as NHWC. */
export async function tfjsPredict(modelJsonPath: string, xNchw: Float32Array, shape: number[]): Promise<Float32Array> {
  const m = await tfl.loadLayersModel(fileHandler(modelJsonPath));
  const [n, c, h, w] = shape;
  const out = tf.tidy(() => (m.predict(tf.tensor4d(toNhwc(xNchw, shape), [n!, h!, w!, c!])) as tf.Tensor).dataSync().slice());
  m.dispose();
  return out as Float32Array;
}

/** Saves a tfjs-layers model as DIR/model.json + w.bin, as tfjs writes them; `specsEdit` may change the manifest first. */
export async function saveLayersModel(m: tfl.LayersModel, out: string, specsEdit?: (s: tf.io.WeightsManifestEntry[]) => void): Promise<string> {
  await m.save(tf.io.withSaveHandler(async (a) => {
    const specs = a.weightSpecs!;
    specsEdit?.(specs);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'w.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(out, 'model.json'), JSON.stringify({
      format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['w.bin'], weights: specs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return join(out, 'model.json');
}
