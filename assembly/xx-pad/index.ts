// Padding: one byte-level kernel for every element width.
export { xx_pad2d, xx_crop2d } from './xx-pad2d';
