// Byte transpose, for the uint8 sparse linear kernel that runs over a batch laid out
// feature-major (x^T [in][batch]). Activations are small next to the weights a linear layer
// streams, so a plain loop is enough here.

/** out[j * ldOut + i] = in[i * ldIn + j] for rows i in [start, end), columns j < cols. */
export function x8_transpose(
  inPtr: usize, ldIn: i32, outPtr: usize, ldOut: i32, cols: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let i = start; i < end; i++) {
    const row = inPtr + <usize>i * ldIn;
    for (let j = 0; j < cols; j++) store<u8>(outPtr + <usize>j * ldOut + i, load<u8>(row + j));
  }
}
