/**
 * Why an ONNX file could not become a prunequant Model: the message names the file and the
 * node (name and op type) or tensor it stopped at.
 * @example try { loadOnnxModel('m.onnx'); } catch (e) { if (e instanceof OnnxImportError) console.error(e.message); }
 */
export class OnnxImportError extends Error {
  override readonly name = 'OnnxImportError';
  readonly fileName: string;
  /** The node ("'conv1' (Conv)") or tensor ("tensor 'w'") it stopped at, or '' for the whole model. */
  readonly where: string;

  constructor(fileName: string, where: string, detail: string) {
    super(`${fileName}${where === '' ? '' : `, ${where}`}: ${detail}`);
    this.fileName = fileName;
    this.where = where;
  }
}
