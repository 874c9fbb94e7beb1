// The seeded PRNG lives with the tensors (the lowest layer), so that weight init, dropout
// and data shuffling all draw from one implementation.
export { Rng, createRng, deriveSeed } from '../tensor/index.js';
