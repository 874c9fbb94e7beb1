export { importOnnxModel, loadOnnxModel, MAX_IMPORT_OPSET } from './import-model.js';
export type { ImportOptions, OnnxImportMeta } from './import-model.js';
export { OnnxImportError } from './errors.js';
