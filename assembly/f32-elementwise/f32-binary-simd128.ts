// Broadcasting binary ops. desc = [rank, outShape[rank], aStrides[rank], bStrides[rank]]
// in elements, a broadcast dim having stride 0; [start, end) counts output elements.
//
// The kernel first finds the longest run of trailing dims over which each operand either
// stays put (all strides 0) or advances by one element per output element. That run is
// one contiguous "block", computed by a SIMD loop: same-shape tensors are one block, a
// scalar operand is one block with a splat, NCHW per-channel operands give blocks of H*W
// over a constant channel value, and [N,1] op [1,M] gives rows of M. The outer dims are
// walked one block at a time, their offsets stepped along the innermost outer dim and
// recomputed by division only when it wraps.
import { BinaryOp } from './op-codes';
import { binaryBlock } from './f32-binary-ops';

// One function per op so each inlined block folds its op code (see f32-unary-simd128.ts).
function blockAdd(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Add, a, as, b, bs, o, n); }
function blockSub(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Sub, a, as, b, bs, o, n); }
function blockMul(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Mul, a, as, b, bs, o, n); }
function blockDiv(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Div, a, as, b, bs, o, n); }
function blockMax(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Max, a, as, b, bs, o, n); }
function blockMin(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Min, a, as, b, bs, o, n); }
function blockPow(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Pow, a, as, b, bs, o, n); }
function blockGreater(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Greater, a, as, b, bs, o, n); }
function blockGreaterEqual(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.GreaterEqual, a, as, b, bs, o, n); }
function blockEqual(a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void { binaryBlock(BinaryOp.Equal, a, as, b, bs, o, n); }

function runBlock(op: i32, a: usize, as: i32, b: usize, bs: i32, o: usize, n: i32): void {
  switch (op) {
    case BinaryOp.Add: blockAdd(a, as, b, bs, o, n); break;
    case BinaryOp.Sub: blockSub(a, as, b, bs, o, n); break;
    case BinaryOp.Mul: blockMul(a, as, b, bs, o, n); break;
    case BinaryOp.Div: blockDiv(a, as, b, bs, o, n); break;
    case BinaryOp.Max: blockMax(a, as, b, bs, o, n); break;
    case BinaryOp.Min: blockMin(a, as, b, bs, o, n); break;
    case BinaryOp.Pow: blockPow(a, as, b, bs, o, n); break;
    case BinaryOp.Greater: blockGreater(a, as, b, bs, o, n); break;
    case BinaryOp.GreaterEqual: blockGreaterEqual(a, as, b, bs, o, n); break;
    case BinaryOp.Equal: blockEqual(a, as, b, bs, o, n); break;
    default: unreachable();
  }
}

export function f32_binary__simd128(op: i32, aPtr: usize, bPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  if (start >= end) return;
  const rank = load<i32>(descPtr);
  const shapePtr = descPtr + 4;
  const aStrPtr = shapePtr + (<usize>rank << 2);
  const bStrPtr = aStrPtr + (<usize>rank << 2);

  // Dims [k, rank) form the block; aOne/aZero say whether a advances by 1 or 0 inside it.
  let inner = 1;
  let aOne = true, aZero = true, bOne = true, bZero = true;
  let k = rank;
  while (k > 0) {
    const d = <usize>(k - 1) << 2;
    const n = load<i32>(shapePtr + d);
    if (n != 1) {
      const sa = load<i32>(aStrPtr + d), sb = load<i32>(bStrPtr + d);
      const a1 = aOne && sa == inner, a0 = aZero && sa == 0;
      const b1 = bOne && sb == inner, b0 = bZero && sb == 0;
      if (!(a1 || a0) || !(b1 || b0)) break;
      aOne = a1; aZero = a0; bOne = b1; bZero = b0;
      inner *= n;
    }
    k--;
  }
  let aStep = aZero ? 0 : 1;
  let bStep = bZero ? 0 : 1;
  if (inner == 1 && k > 0) {
    // Nothing coalesced (e.g. a transposed operand): walk the innermost dim with its strides.
    k--;
    const d = <usize>k << 2;
    inner = load<i32>(shapePtr + d);
    aStep = load<i32>(aStrPtr + d);
    bStep = load<i32>(bStrPtr + d);
  }

  const lastDim: i32 = k > 0 ? k - 1 : 0;
  const lastD = <usize>lastDim << 2;
  const lastN = load<i32>(shapePtr + lastD);
  const lastSa = load<i32>(aStrPtr + lastD), lastSb = load<i32>(bStrPtr + lastD);
  let i = start;
  let o = i / inner;
  let j = i - o * inner;
  let aOff = 0, bOff = 0, jd = 0;
  let fresh = true;
  while (i < end) {
    if (fresh) {
      aOff = 0; bOff = 0;
      let rem = o;
      for (let d = k - 1; d >= 0; d--) {
        const db = <usize>d << 2;
        const n = load<i32>(shapePtr + db);
        const q = rem / n;
        const idx = rem - q * n;
        if (d == k - 1) jd = idx;
        aOff += idx * load<i32>(aStrPtr + db);
        bOff += idx * load<i32>(bStrPtr + db);
        rem = q;
      }
      fresh = false;
    }
    const len = min(inner - j, end - i);
    runBlock(op, aPtr + (<usize>(aOff + j * aStep) << 2), aStep, bPtr + (<usize>(bOff + j * bStep) << 2), bStep,
      outPtr + (<usize>i << 2), len);
    i += len;
    j = 0;
    o++;
    if (k > 0) {
      if (++jd < lastN) { aOff += lastSa; bOff += lastSb; } else fresh = true;
    }
  }
}
