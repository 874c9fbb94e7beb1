// Scalar twin of f32_binary__simd128: every output element finds its operands by dividing
// its index through the shape, with no blocking. The test oracle (STYLE §10).
import { binaryScalar } from './f32-binary-ops';

export function f32_binary__scalar(op: i32, aPtr: usize, bPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  const rank = load<i32>(descPtr);
  const shapePtr = descPtr + 4;
  const aStrPtr = shapePtr + (<usize>rank << 2);
  const bStrPtr = aStrPtr + (<usize>rank << 2);
  for (let i = start; i < end; i++) {
    let rem = i, aOff = 0, bOff = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const db = <usize>d << 2;
      const n = load<i32>(shapePtr + db);
      const idx = rem % n;
      rem /= n;
      aOff += idx * load<i32>(aStrPtr + db);
      bOff += idx * load<i32>(bStrPtr + db);
    }
    const v = binaryScalar(op, load<f32>(aPtr + (<usize>aOff << 2)), load<f32>(bPtr + (<usize>bOff << 2)));
    store<f32>(outPtr + (<usize>i << 2), v);
  }
}
