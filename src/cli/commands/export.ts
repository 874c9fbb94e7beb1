/**
 * `prunequant export`: writes a checkpoint as an fp32 ONNX model (opset 17), atomically.
 * Pruned weights are exact zeros in the file. A checkpoint quantized by `prunequant quantize`
 * already holds its dequantized float weights, which are what gets exported; quantized
 * activations cannot be expressed in an fp32 graph, so such a checkpoint is refused.
 */
import { resolve } from 'node:path';
import { readQuantizationMeta } from '../../compress/index.js';
import { saveOnnxModel, savePqm } from '../../io/index.js';
import { loadCheckpoint } from '../../nn/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, FORCE_OPTION, checkOutputs, finish } from '../common.js';

const FORMATS = ['onnx', 'pqm'] as const;

const OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', default: 'onnx', help: `output format: ${FORMATS.join(', ')}` },
  out: { type: 'string', help: 'output file (required), e.g. model.onnx' },
  force: FORCE_OPTION,
  json: COMMON_OPTIONS['json']!,
  help: COMMON_OPTIONS['help']!,
};

export const exportUsage = helpText('prunequant export MODEL.pqck --format onnx|pqm --out FILE', OPTIONS);

export async function exportCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('export', argv, OPTIONS, { positionals: ['MODEL'] });
  if (o['help']) return void process.stdout.write(`${exportUsage}\n`);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('export: missing MODEL (a .pqck checkpoint)');
  const format = o['format'] as string;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`export: unknown --format '${format}'; known: ${FORMATS.join(', ')}`);
  const out = o['out'] as string | undefined;
  if (out === undefined || out === '') throw new UsageError('export: --out FILE is required');
  checkOutputs('export', [out], { force: o['force'] === true, inputs: [path] });

  const { model, meta } = loadCheckpoint(path);
  try {
    const quant = readQuantizationMeta(meta, path);
    if (format === 'pqm') {
      const { sizeBytes } = savePqm(out, model, { meta, source: path });
      const result = { command: 'export', model: path, format, path: resolve(out), bytes: sizeBytes, params: model.paramCount(), weights: quant ? 'codes' : 'float' };
      return finish(o['json'] === true, result, `${path} -> ${out} (.pqm, ${sizeBytes} bytes${quant ? `, ${[...new Set([...quant.weights.values()].map((t) => t.bits))].join('/')}-bit codes` : ''})`);
    }
    if (quant?.activations) {
      throw new Error(`${path} quantizes activations, which an fp32 ONNX graph cannot express; export the checkpoint from before activation quantization`);
    }
    const { sizeBytes } = saveOnnxModel(out, model);
    const result = {
      command: 'export', model: path, format, path: resolve(out), bytes: sizeBytes,
      params: model.paramCount(), weights: quant ? 'dequantized' : 'float',
    };
    finish(o['json'] === true, result, `${path} -> ${out} (${format}, ${sizeBytes} bytes${quant ? ', dequantized weights' : ''})`);
  } finally {
    model.dispose();
  }
}
