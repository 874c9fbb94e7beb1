// Transposes of 32-bit (float32) and 8-bit (uint8 codes) elements.
export { x32_transpose } from './x32-transpose';
export { x8_transpose } from './x8-transpose';
