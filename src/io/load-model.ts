/**
 * One loader for every model format a command takes: prunequant checkpoints (`.pqck`, float or
 * quantized), ONNX (`.onnx`) and TF.js Layers (`model.json`). The extension chooses the reader
 * and the first bytes must agree with it, so a renamed file is refused by name instead of
 * failing deep inside the wrong parser.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { loadQuantizedCheckpoint, type QuantizedModel } from '../compress/index.js';
import { loadCheckpoint } from '../nn/index.js';
import type { ImportedModel, ModelFormat } from './imported-model.js';
import { checkPreprocessing, preprocessingFromMeta } from './preprocessing.js';
import { loadOnnxModel } from './onnx/import/index.js';
import { loadTfjsModel } from './tfjs/index.js';

/**
 * A model file that cannot be loaded as the format its name says: unknown extension, missing
 * file, contents of another format, or a format this build does not read yet.
 * @example try { loadAnyModel('model.bin'); } catch (e) { if (e instanceof ModelLoadError) console.error(e.message); }
 */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** A loaded model, plus the integer form of a quantized checkpoint (null otherwise). */
export interface LoadedModel extends ImportedModel {
  quantized: QuantizedModel | null;
  /** The file as given. */
  path: string;
}

export interface LoadModelOptions {
  /**
   * A quantized checkpoint gets its activation quantizers back and its codes checked (default
   * true); false loads its dequantized float weights only.
   */
  restoreQuantization?: boolean;
}

/** What a file name says its format is; null for a name no reader takes. */
export function modelFormatOf(path: string): ModelFormat | 'pqm' | null {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.pqck')) return 'pqck';
  if (name.endsWith('.onnx')) return 'onnx';
  if (name.endsWith('.pqm')) return 'pqm';
  if (name.endsWith('.json')) return 'tfjs';
  return null;
}

/** Recognizable starts of other files, to say what a misnamed file really is. */
function sniff(head: Uint8Array): string | null {
  const ascii = new TextDecoder('latin1').decode(head.subarray(0, 4));
  if (ascii === 'PQCK') return 'a prunequant checkpoint (.pqck)';
  if (ascii === 'PQMF') return 'a .pqm deploy model';
  if (head[0] === 0x89 && ascii.slice(1, 4) === 'PNG') return 'a PNG image';
  if (head[0] === 0xff && head[1] === 0xd8) return 'a JPEG image';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'a zip archive';
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x7b) return 'JSON';
  return null;
}

/**
 * ONNX has no magic number: a ModelProto is a protobuf message, so its first byte must be the
 * tag of one of ModelProto's fields (numbers 1 to 20) with a varint or length-delimited wire type.
 */
function looksLikeProtobuf(head: Uint8Array): boolean {
  const tag = head[0];
  if (tag === undefined) return false;
  const field = tag >> 3, wire = tag & 7;
  return field >= 1 && field <= 20 && (wire === 0 || wire === 2);
}

/** What a file of each format is called in messages. */
const KIND: Record<ModelFormat | 'pqm', string> = { pqck: 'checkpoint', onnx: 'ONNX model', tfjs: 'TF.js model.json', pqm: '.pqm model' };

function readHead(path: string, format: ModelFormat | 'pqm'): Uint8Array {
  const cannot = (e: unknown) => new ModelLoadError(`${path}: cannot read ${KIND[format]} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw cannot(e);
  }
  if (st.isDirectory()) throw new ModelLoadError(`${path} is a directory, not a model file (.pqck, .onnx or TF.js model.json)`);
  if (!st.isFile()) throw new ModelLoadError(`${path} is not a regular file`);
  const head = new Uint8Array(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n);
  } catch (e) {
    throw cannot(e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const KNOWN = '.pqck (prunequant checkpoint), .onnx or a TF.js Layers model.json';

/**
 * Checks that `path` names a model file whose contents agree with its extension, without
 * parsing it; returns its format. Commands call it before any work.
 * @example const format = checkModelFile('model.onnx'); // 'onnx'
 */
export function checkModelFile(path: string): ModelFormat | 'pqm' {
  const format = modelFormatOf(path);
  if (format === null) throw new ModelLoadError(`${path}: unknown model file type; expected ${KNOWN}`);
  const head = readHead(path, format);
  if (head.length === 0) throw new ModelLoadError(`${path} is empty`);
  const actual = sniff(head);
  const mismatch = (want: string) => new ModelLoadError(`${path}: the name says ${want}, but the file is ${actual ?? 'something else'}`);
  switch (format) {
    case 'pqck':
      // The checkpoint reader's own words for bytes that are nothing we know.
      if (actual === null) throw new ModelLoadError(`${path} @ byte 0: not a prunequant checkpoint (it does not start with PQCK)`);
      if (actual !== 'a prunequant checkpoint (.pqck)') throw mismatch('a prunequant checkpoint');
      break;
    case 'pqm': if (actual !== 'a .pqm deploy model') throw mismatch('a .pqm deploy model'); break;
    case 'tfjs': if (actual !== 'JSON') throw mismatch('a TF.js Layers model.json'); break;
    case 'onnx': if (actual !== null || !looksLikeProtobuf(head)) throw mismatch('an ONNX model (protobuf)'); break;
  }
  return format;
}

/**
 * Loads a model of any format prunequant reads as a trainable model in NCHW order, with the
 * preprocessing the file records (null when it records none).
 * @example const { model, format, preprocessing } = loadAnyModel('resnet.onnx');
 */
export function loadAnyModel(path: string, opts: LoadModelOptions = {}): LoadedModel {
  const format = checkModelFile(path);
  switch (format) {
    case 'pqck': {
      const { model, meta, quantized } = opts.restoreQuantization === false
        ? { ...loadCheckpoint(path), quantized: null }
        : loadQuantizedCheckpoint(path);
      try {
        const preprocessing = preprocessingFromMeta(meta, model.inputShape[0], path);
        return { model, format, preprocessing, meta, quantized, path };
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    case 'pqm':
      throw new ModelLoadError(`${path} is a .pqm deploy model, which only the runtime runs; this command needs a trainable model (${KNOWN})`);
    case 'onnx':
    case 'tfjs': {
      const m = format === 'onnx' ? loadOnnxModel(path) : loadTfjsModel(path);
      try {
        const preprocessing = m.preprocessing === null ? null : checkPreprocessing(m.preprocessing, m.model.inputShape[0], path);
        return { ...m, preprocessing, quantized: null, path };
      } catch (e) {
        m.model.dispose();
        throw e;
      }
    }
  }
}
