export * from './f32-conv2d-im2col';
