/** TF.js Layers models (model.json plus weight shards) in and out. */
export { TfjsFormatError } from './errors.js';
export { importTfjsModel, loadTfjsModel, TFJS_METADATA_KEY } from './import-tfjs.js';
export { exportTfjsModel, saveTfjsModel, type TfjsExportOptions, type TfjsArtifacts } from './export-tfjs.js';
export {
  encodeTfjsWeights, decodeTfjsWeights,
  type TfjsQuantization, type TfjsWeightSpec, type TfjsManifestGroup, type NamedWeight,
} from './weights.js';
