// Convolution helpers and pooling: im2col/col2im, depthwise convolution and 2-D pooling.
export * from './im2col/index';
export * from './f32-dwconv/index';
export * from './f32-pool/index';
