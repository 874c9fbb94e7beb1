/** Errors raised while reading ONNX protobuf bytes. */
import { FormatError } from '../../runtime/index.js';

/**
 * Malformed, truncated or unsupported ONNX input. `fileName` and `offset` say where: the
 * offset is the byte in the file at which the reader noticed the problem, so a hex dump
 * from there shows the culprit. A kind of the runtime's FormatError, so one
 * `catch (e) { if (e instanceof FormatError) … }` covers a bad .onnx and a bad .pqm.
 * @example try { decodeOnnxModel(bytes, 'm.onnx'); } catch (e) { if (e instanceof OnnxFormatError) console.error(e.offset); }
 */
export class OnnxFormatError extends FormatError {
  override readonly name = 'OnnxFormatError';
  readonly fileName: string;
  readonly offset: number;

  constructor(fileName: string, offset: number, detail: string) {
    super(`${fileName} @ byte ${offset}: ${detail}`);
    this.fileName = fileName;
    this.offset = offset;
  }
}
