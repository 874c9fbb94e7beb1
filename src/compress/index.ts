/** Compression: pruning and quantization, the front door for higher layers. */
export * from './prune/index.js';
export * from './quantize/index.js';
