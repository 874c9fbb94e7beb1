// Transposes of 32-bit elements.
export { x32_transpose } from './x32-transpose';
