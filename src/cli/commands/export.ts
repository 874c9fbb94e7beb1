/**
 * `prunequant export`: writes a checkpoint as an fp32 ONNX model (opset 17), an int8 QDQ ONNX
 * model, a TF.js Layers model (DIR/model.json plus shards) or a .pqm, atomically. Pruned
 * weights are exact zeros in the file. A checkpoint quantized by `prunequant quantize` already
 * holds its dequantized float weights, which are what the fp32 formats get; quantized
 * activations cannot be expressed in an fp32 graph, so such a checkpoint is refused there and
 * belongs in `onnx-int8`, which needs a quantized checkpoint.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readQuantizationMeta } from '../../compress/index.js';
import { finalActivationOf, saveOnnxInt8Model, saveOnnxModel, savePqm, saveTfjsModel, type LoadedModel, type TfjsQuantization } from '../../io/index.js';
import { PREPROCESSING_OPTIONS, checkModelArg, loadModelArg, metaWithPreprocessing, parsePreprocessingOptions, resolvePreprocessing } from '../model-input.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, checkOutputs, finish } from '../common.js';

const FORMATS = ['onnx', 'onnx-int8', 'tfjs', 'pqm'] as const;
const TFJS_QUANTIZE = ['uint8', 'uint16', 'float16'] as const;

const OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', default: 'onnx', help: `output format: ${FORMATS.join(', ')}` },
  out: { type: 'string', help: 'output file (required), e.g. model.onnx; for tfjs a directory (or DIR/model.json)' },
  'tfjs-quantize': { type: 'string', help: `tfjs only: store weights as ${TFJS_QUANTIZE.join(', ')} (TF.js's own weight quantization)` },
  layout: PREPROCESSING_OPTIONS['layout']!,
  range: PREPROCESSING_OPTIONS['range']!,
  mean: PREPROCESSING_OPTIONS['mean']!,
  std: PREPROCESSING_OPTIONS['std']!,
  force: FORCE_OPTION,
  json: COMMON_OPTIONS['json']!,
  help: COMMON_OPTIONS['help']!,
};

export const exportUsage = helpText('prunequant export MODEL.pqck --format onnx|onnx-int8|tfjs|pqm --out PATH', OPTIONS);

/** The files a TF.js export writes or would replace: DIR/model.json and any shards of an earlier export. */
function tfjsOutputs(dir: string): string[] {
  let shards: string[] = [];
  try {
    shards = readdirSync(dir).filter((f) => /^group\d+-shard\d+of\d+\.bin$/.test(f)).map((f) => join(dir, f));
  } catch {
    // No directory yet: nothing to replace.
  }
  return [join(dir, 'model.json'), ...shards];
}

export async function exportCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('export', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${exportUsage}\n`);
  const path = positionals[0];
  if (path === undefined) checkModelArg('export', path);
  const format = o['format'] as string;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`export: unknown --format '${format}'; known: ${FORMATS.join(', ')}`);
  const out = o['out'] as string | undefined;
  if (out === undefined || out === '') throw new UsageError('export: --out FILE is required (a directory for --format tfjs)');
  const tfjsQuantize = o['tfjs-quantize'] as string | undefined;
  if (tfjsQuantize !== undefined && format !== 'tfjs') throw new UsageError(`export: --tfjs-quantize applies to --format tfjs only, not ${format}`);
  if (tfjsQuantize !== undefined && !(TFJS_QUANTIZE as readonly string[]).includes(tfjsQuantize)) {
    throw new UsageError(`export: unknown --tfjs-quantize '${tfjsQuantize}'; known: ${TFJS_QUANTIZE.join(', ')}`);
  }
  const given = parsePreprocessingOptions('export', o);
  checkModelArg('export', path);
  const tfjsDir = out.toLowerCase().endsWith('.json') ? resolve(out, '..') : out;
  checkOutputs('export', format === 'tfjs' ? tfjsOutputs(tfjsDir) : [out], { force: o['force'] === true, inputs: [path] });
  const file = path!;

  if (format === 'onnx-int8') {
    const loaded = loadModelArg('export', file);
    const { model, quantized } = loaded;
    try {
      if (quantized === null) throw new Error(`${path} is not quantized; onnx-int8 needs a checkpoint from prunequant quantize (or use --format onnx)`);
      const { meta, preprocessing } = recorded(loaded, given);
      const { sizeBytes } = saveOnnxInt8Model(out, quantized, { meta, preprocessing });
      const bits = [...new Set([...quantized.weights.values()].map((t) => t.bits))].join('/');
      const result = {
        command: 'export', model: path, format, path: resolve(out), bytes: sizeBytes, params: model.paramCount(),
        weights: 'codes', weightBits: bits, activations: quantized.activations ? [...quantized.activations.values()][0]!.dtype : 'float',
      };
      return finish(o['json'] === true, result, `${path} -> ${out} (onnx-int8, ${sizeBytes} bytes, ${bits}-bit weight codes, ${result.activations} activations)`);
    } finally {
      model.dispose();
    }
  }

  // Any format; the meta carries the preprocessing and the final activation into the file written.
  const loaded = loadModelArg('export', file, { restoreQuantization: false });
  const { model } = loaded;
  try {
    const { meta, preprocessing } = recorded(loaded, given);
    const quant = readQuantizationMeta(meta, file);
    if (format === 'pqm') {
      const { sizeBytes } = savePqm(out, model, { meta, source: path });
      const result = { command: 'export', model: path, format, path: resolve(out), bytes: sizeBytes, params: model.paramCount(), weights: quant ? 'codes' : 'float' };
      return finish(o['json'] === true, result, `${path} -> ${out} (.pqm, ${sizeBytes} bytes${quant ? `, ${[...new Set([...quant.weights.values()].map((t) => t.bits))].join('/')}-bit codes` : ''})`);
    }
    if (quant?.activations) {
      throw new Error(`${path} quantizes activations, which an fp32 ${format === 'tfjs' ? 'TF.js model' : 'ONNX graph'} cannot express; use --format onnx-int8, or export the checkpoint from before activation quantization`);
    }
    if (format === 'tfjs') {
      const { path: json, files, sizeBytes } = saveTfjsModel(model, tfjsDir, {
        ...(tfjsQuantize ? { quantize: tfjsQuantize as TfjsQuantization } : {}), preprocessing, finalActivation: finalActivationOf(meta, file),
      });
      const result = {
        command: 'export', model: path, format, path: resolve(json), files: files.map((f) => resolve(f)), bytes: sizeBytes,
        params: model.paramCount(), weights: tfjsQuantize ?? (quant ? 'dequantized' : 'float'),
      };
      return finish(o['json'] === true, result, `${path} -> ${json} (tfjs, ${files.length - 1} shard(s), ${sizeBytes} bytes${tfjsQuantize ? `, ${tfjsQuantize} weights` : ''})`);
    }
    const { sizeBytes } = saveOnnxModel(out, model, { meta, preprocessing });
    const result = {
      command: 'export', model: path, format, path: resolve(out), bytes: sizeBytes,
      params: model.paramCount(), weights: quant ? 'dequantized' : 'float',
    };
    finish(o['json'] === true, result, `${path} -> ${out} (${format}, ${sizeBytes} bytes${quant ? ', dequantized weights' : ''})`);
  } finally {
    model.dispose();
  }
}

/**
 * The preprocessing the export records (the options over what the model records; null when
 * neither says), and the model's meta with it, which every format's writer reads.
 */
function recorded(loaded: LoadedModel, given: ReturnType<typeof parsePreprocessingOptions>) {
  const stored = loaded.preprocessing;
  if (stored === null && Object.keys(given).length === 0) return { meta: loaded.meta, preprocessing: null };
  const { preprocessing } = resolvePreprocessing('export', given, stored, null, loaded.model.inputShape[0]);
  return { meta: metaWithPreprocessing(loaded.meta, preprocessing), preprocessing };
}
