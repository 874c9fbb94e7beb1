/**
 * Why a prunequant Model could not be written as ONNX: the message names the node and the reason.
 * @example try { saveOnnxModel('m.onnx', model); } catch (e) { if (e instanceof OnnxExportError) console.error(e.node); }
 */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
  /** The model node the exporter stopped at, or '' for a model-wide problem. */
  readonly node: string;

  constructor(node: string, detail: string) {
    super(node === '' ? `ONNX export: ${detail}` : `ONNX export, node '${node}': ${detail}`);
    this.node = node;
  }
}
