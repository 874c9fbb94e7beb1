/** The native compressed model, `.pqm`: export from a trained Model (the codec itself is the runtime's). */
export { toDeployModel, pqmBytes, savePqm, PqmExportError } from './deploy-model.js';
export type { DeployOptions } from './deploy-model.js';
