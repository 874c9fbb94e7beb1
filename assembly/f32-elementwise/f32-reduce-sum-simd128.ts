// Sum reductions: a general one over any set of dims, and the two fast paths layers use
// (column sums of a matrix and per-channel sums of NCHW), SIMD with scalar tails.

/** Sum of len contiguous floats; 16 lanes of partial sums keep long runs accurate and fast. */
@inline function sumRun(ptr: usize, len: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let t = 0;
  for (; t + 16 <= len; t += 16) {
    const p = ptr + (<usize>t << 2);
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  for (; t + 4 <= len; t += 4) a0 = f32x4.add(a0, v128.load(ptr + (<usize>t << 2)));
  const v = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  for (; t < len; t++) s += load<f32>(ptr + (<usize>t << 2));
  return s;
}

/** out[t] += x[t] for t in [0, len). */
@inline function addInto(outPtr: usize, xPtr: usize, len: i32): void {
  let t = 0;
  for (; t + 4 <= len; t += 4) {
    const o = <usize>t << 2;
    v128.store(outPtr + o, f32x4.add(v128.load(outPtr + o), v128.load(xPtr + o)));
  }
  for (; t < len; t++) {
    const o = <usize>t << 2;
    store<f32>(outPtr + o, load<f32>(outPtr + o) + load<f32>(xPtr + o));
  }
}

/**
 * desc = [rank, inShape[rank], outStrides[rank]] (0 on reduced dims). Adds each input
 * element of [start, end) into its output slot; the caller zeroes out first. Trailing dims
 * over which the output slot is fixed (or advances with the input) are handled as one
 * contiguous block, as in f32_binary__simd128.
 */
export function f32_reduce_sum__simd128(inPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  if (start >= end) return;
  const rank = load<i32>(descPtr);
  const shapePtr = descPtr + 4;
  const oStrPtr = shapePtr + (<usize>rank << 2);
  let inner = 1;
  let oOne = true, oZero = true;
  let k = rank;
  while (k > 0) {
    const d = <usize>(k - 1) << 2;
    const n = load<i32>(shapePtr + d);
    if (n != 1) {
      const so = load<i32>(oStrPtr + d);
      const o1 = oOne && so == inner, o0 = oZero && so == 0;
      if (!(o1 || o0)) break;
      oOne = o1; oZero = o0;
      inner *= n;
    }
    k--;
  }
  let oStep = oZero ? 0 : 1;
  if (inner == 1 && k > 0) {
    k--;
    inner = load<i32>(shapePtr + (<usize>k << 2));
    oStep = load<i32>(oStrPtr + (<usize>k << 2));
  }
  let i = start;
  let blk = i / inner;
  let j = i - blk * inner;
  while (i < end) {
    let rem = blk, oOff = 0;
    for (let d = k - 1; d >= 0; d--) {
      const db = <usize>d << 2;
      const n = load<i32>(shapePtr + db);
      const q = rem / n;
      oOff += (rem - q * n) * load<i32>(oStrPtr + db);
      rem = q;
    }
    const len = min(inner - j, end - i);
    const src = inPtr + (<usize>i << 2);
    const dst = outPtr + (<usize>(oOff + j * oStep) << 2);
    if (oStep == 0) {
      store<f32>(dst, load<f32>(dst) + sumRun(src, len));
    } else if (oStep == 1) {
      addInto(dst, src, len);
    } else {
      for (let t = 0; t < len; t++) {
        const p = dst + (<usize>(t * oStep) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>t << 2)));
      }
    }
    i += len;
    j = 0;
    blk++;
  }
}

/** out[j] = sum_i x[i][j] over a rows x cols matrix, for columns j in [start, end). */
export function f32_sum_rows__simd128(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  const rowBytes = <usize>cols << 2;
  let j = start;
  // 16 columns at a time in registers, walking down the rows.
  for (; j + 16 <= end; j += 16) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = xPtr + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    const o = outPtr + (<usize>j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j + 4 <= end; j += 4) {
    let a = f32x4.splat(0);
    let p = xPtr + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) a = f32x4.add(a, v128.load(p));
    v128.store(outPtr + (<usize>j << 2), a);
  }
  for (; j < end; j++) {
    let s: f32 = 0;
    let p = xPtr + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) s += load<f32>(p);
    store<f32>(outPtr + (<usize>j << 2), s);
  }
}

/** out[c] = sum over n and hw of x[n][c][hw], for channels c in [start, end). */
export function f32_sum_nchw_channels__simd128(xPtr: usize, outPtr: usize, n: i32, c: i32, hw: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let ch = start; ch < end; ch++) {
    let s: f32 = 0;
    for (let b = 0; b < n; b++) s += sumRun(xPtr + (<usize>((b * c + ch) * hw) << 2), hw);
    store<f32>(outPtr + (<usize>ch << 2), s);
  }
}
