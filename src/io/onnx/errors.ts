/** Errors raised while reading ONNX protobuf bytes. */

/**
 * Malformed, truncated or unsupported input. `fileName` and `offset` say where: the
 * offset is the byte in the file at which the reader noticed the problem, so a hex dump
 * from there shows the culprit.
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly fileName: string;
  readonly offset: number;

  constructor(fileName: string, offset: number, detail: string) {
    super(`${fileName} @ byte ${offset}: ${detail}`);
    this.fileName = fileName;
    this.offset = offset;
  }
}
