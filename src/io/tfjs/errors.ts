/** Errors raised while reading or writing TF.js Layers models (model.json plus weight shards). */
import { FormatError } from '../../runtime/index.js';

/**
 * A TF.js Layers model that cannot be read or written: the message names the file and, where
 * there is one, the layer or weight. A kind of the runtime's FormatError, as OnnxFormatError is.
 * @example try { loadTfjsModel('web/model.json'); } catch (e) { if (e instanceof TfjsFormatError) console.error(e.fileName, e.layer); }
 */
export class TfjsFormatError extends FormatError {
  override readonly name = 'TfjsFormatError';
  readonly fileName: string;
  /** The layer or weight the problem is in; '' for the file as a whole. */
  readonly layer: string;

  constructor(fileName: string, layer: string, detail: string) {
    super(layer === '' ? `${fileName}: ${detail}` : `${fileName}, ${layer}: ${detail}`);
    this.fileName = fileName;
    this.layer = layer;
  }
}
