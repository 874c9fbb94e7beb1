/**
 * ONNX's backend test data in ../shared/conformance/onnx-backend (next to the repository, as
 * CI clones it): each case's model.onnx and test_data_set_0/{input,output}_N.pb, decoded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOnnxModel, decodeTensorProto, type OnnxModel, type OnnxTensor } from '../../src/io/onnx/index.js';
import type { OrtFeed, OrtInputData } from './ort.js';

const ROOT = fileURLToPath(new URL('../../../shared/conformance/onnx-backend/', import.meta.url));

/** The onnx-backend folder, or undefined when the shared checkout is absent. */
export function conformanceRoot(): string | undefined {
  return existsSync(join(ROOT, 'pytorch-converted')) ? ROOT : undefined;
}

/** Why conformance tests must skip, or false when the data is there (for node:test's `skip`). */
export function conformanceSkip(): string | false {
  return conformanceRoot() === undefined ? `conformance data not found at ${ROOT} (clone shared/ next to the repo)` : false;
}

export interface ConformanceCase {
  name: string;
  modelPath: string;
  modelBytes: Uint8Array;
  model: OnnxModel;
  /** Names of the inputs a caller feeds: graph inputs that are neither initializers nor
   * produced by a node (IR 3 files list their weights as inputs too). */
  inputNames: string[];
  outputNames: string[];
  inputs: OnnxTensor[];
  expected: OnnxTensor[];
  /** The inputs as onnxruntime feeds, keyed by inputNames. */
  feeds: Record<string, OrtFeed>;
}

export function listConformanceCases(): string[] {
  const root = conformanceRoot();
  if (root === undefined) return [];
  return readdirSync(join(root, 'pytorch-converted')).filter((n) => n.startsWith('test_')).sort();
}

export function listLightModels(): string[] {
  const root = conformanceRoot();
  if (root === undefined) return [];
  return readdirSync(join(root, 'light')).filter((n) => n.endsWith('.onnx')).map((n) => n.slice(0, -'.onnx'.length)).sort();
}

/** Loads `pytorch-converted/<name>` (or a case folder given as a path). */
export function loadConformanceCase(dir: string): ConformanceCase {
  const caseDir = dir.includes('/') ? dir : join(requireRoot(), 'pytorch-converted', dir);
  const dataDir = join(caseDir, 'test_data_set_0');
  const pbs = (prefix: string) => readdirSync(dataDir)
    .filter((n) => n.startsWith(prefix) && n.endsWith('.pb'))
    .sort((a, b) => indexOf(a) - indexOf(b))
    .map((n) => readTensorFile(join(dataDir, n)));
  return assemble(caseDir.split('/').filter(Boolean).pop()!, join(caseDir, 'model.onnx'), pbs('input_'), pbs('output_'));
}

/** Loads `light/<name>.onnx` with its input and expected output; name with or without 'light_'. */
export function loadLightCase(name: string): ConformanceCase {
  const base = name.startsWith('light_') ? name : `light_${name}`;
  const dir = join(requireRoot(), 'light');
  return assemble(base, join(dir, `${base}.onnx`),
    [readTensorFile(join(dir, `${base}_input_0.pb`))], [readTensorFile(join(dir, `${base}_output_0.pb`))]);
}

function assemble(name: string, modelPath: string, inputs: OnnxTensor[], expected: OnnxTensor[]): ConformanceCase {
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const model = decodeOnnxModel(modelBytes, modelPath);
  const constant = new Set(model.graph.initializers.map((t) => t.name));
  for (const node of model.graph.nodes) for (const out of node.outputs) constant.add(out);
  const inputNames = model.graph.inputs.map((v) => v.name).filter((n) => !constant.has(n));
  const outputNames = model.graph.outputs.map((v) => v.name);
  if (inputNames.length !== inputs.length) {
    throw new Error(`${name}: model takes ${inputNames.length} inputs (${inputNames}), test data has ${inputs.length}`);
  }
  const feeds: Record<string, OrtFeed> = {};
  inputs.forEach((t, i) => { feeds[inputNames[i]!] = { data: t.data as OrtInputData, dims: t.dims }; });
  return { name, modelPath, modelBytes, model, inputNames, outputNames, inputs, expected, feeds };
}

function readTensorFile(path: string): OnnxTensor {
  return decodeTensorProto(new Uint8Array(readFileSync(path)), path);
}

function indexOf(fileName: string): number {
  return Number(/_(\d+)\.pb$/.exec(fileName)?.[1] ?? 0);
}

function requireRoot(): string {
  const root = conformanceRoot();
  if (root === undefined) throw new Error(`conformance data not found at ${ROOT}`);
  return root;
}

// Ops onnxruntime has no opset-6 kernel for, with the attributes opset 7 removed from them
// without changing what they compute.
const DROPPED_AT_OPSET_7: Record<string, string[]> = {
  AveragePool: [],
  BatchNormalization: ['is_test', 'consumed_inputs'],
  Gemm: ['broadcast'],
  PRelu: ['consumed_inputs'],
};

/**
 * onnxruntime has no kernels for a few opset-6 ops the pytorch-converted cases use
 * (AveragePool-1, BatchNormalization-6, Gemm-6, PRelu-6). Their opset-7 versions compute the
 * same thing once the removed attributes are dropped, except PRelu with a per-channel [C]
 * slope, which opset 7 would broadcast over the last axis instead of channels. Returns the
 * model restamped as opset 7 (unchanged when it needs no restamp), or a reason why that would
 * change its meaning.
 */
export function restampAsOpset7(model: OnnxModel): OnnxModel | string {
  const opset = model.opsetImports.find((o) => o.domain === '')?.version ?? 0;
  if (opset >= 7 || !model.graph.nodes.some((n) => n.opType in DROPPED_AT_OPSET_7)) return model;
  const shapes = new Map(model.graph.initializers.map((t) => [t.name, t.dims]));
  const nodes = [];
  for (const node of model.graph.nodes) {
    const dropped = DROPPED_AT_OPSET_7[node.opType];
    if (dropped === undefined) return `${node.opType} has no opset-7 equivalent checked here`;
    const slope = node.opType === 'PRelu' ? shapes.get(node.inputs[1]!) : undefined;
    if (slope !== undefined && slope.reduce((a, b) => a * b, 1) !== 1) {
      return `PRelu-6 applies its [${slope}] slope per channel; opset 7 would broadcast it over the last axis`;
    }
    const attributes = Object.fromEntries(Object.entries(node.attributes).filter(([k]) => !dropped.includes(k)));
    nodes.push({ ...node, attributes });
  }
  return {
    ...model,
    opsetImports: model.opsetImports.map((o) => (o.domain === '' ? { domain: '', version: 7 } : o)),
    graph: { ...model.graph, nodes },
  };
}
