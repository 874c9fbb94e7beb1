// Packers for the 5x8 micro-kernel. They take every transpose, so the micro-kernel sees
// one layout: A as 5-row panels (element (r, p) at panel[p*5 + r]), B as 8-column panels
// (element (p, c) at panel[p*8 + c]), each kc steps long. Rows and columns past the
// matrix edge are written as zeros, so ragged tiles still run the full-tile kernel and
// the padding adds nothing to the sums. The A packer also multiplies by alpha, which
// keeps the micro-kernel's epilogue free of arithmetic (see f32-gemm-5x8-simd128.ts).

export const F32_GEMM_MR = 5;
export const F32_GEMM_NR = 8;

// 4x4 transpose of rows x0..x3 (lane j of xi is element (i, j)); result lane i of yj.
// @ts-ignore: decorator
@inline function tlo(x0: v128, x1: v128): v128 { return v128.shuffle<i32>(x0, x1, 0, 4, 1, 5); }
// @ts-ignore: decorator
@inline function thi(x0: v128, x1: v128): v128 { return v128.shuffle<i32>(x0, x1, 2, 6, 3, 7); }
// @ts-ignore: decorator
@inline function ulo(t0: v128, t1: v128): v128 { return v128.shuffle<i32>(t0, t1, 0, 1, 4, 5); }
// @ts-ignore: decorator
@inline function uhi(t0: v128, t1: v128): v128 { return v128.shuffle<i32>(t0, t1, 2, 3, 6, 7); }

/**
 * Transposes the 4x4 block whose rows start at s0..s3, times scale, and stores its
 * columns at out, out + stepBytes, out + 2*stepBytes, out + 3*stepBytes.
 */
// @ts-ignore: decorator
@inline function transpose4x4(s0: usize, s1: usize, s2: usize, s3: usize, out: usize, stepBytes: usize, scale: v128): void {
  const x0 = f32x4.mul(v128.load(s0), scale), x1 = f32x4.mul(v128.load(s1), scale);
  const x2 = f32x4.mul(v128.load(s2), scale), x3 = f32x4.mul(v128.load(s3), scale);
  const t0 = tlo(x0, x1), t1 = tlo(x2, x3), t2 = thi(x0, x1), t3 = thi(x2, x3);
  v128.store(out, ulo(t0, t1));
  v128.store(out + stepBytes, uhi(t0, t1));
  v128.store(out + 2 * stepBytes, ulo(t2, t3));
  v128.store(out + 3 * stepBytes, uhi(t2, t3));
}

/**
 * Packs alpha times rows [i0, i0 + mc) and steps [p0, p0 + kc) of op(A) into ceil(mc/5)
 * panels of kc*5 floats at outPtr. transA = 0: (i, p) at aPtr[i*lda + p]; 1: at aPtr[p*lda + i].
 */
export function f32_gemm_pack_a_5(
  transA: i32, mc: i32, kc: i32, alpha: f32, aPtr: usize, lda: i32, i0: i32, p0: i32, outPtr: usize,
): void {
  const ldaBytes = <usize>lda << 2;
  const va = f32x4.splat(alpha);
  let out = outPtr;
  for (let ir = 0; ir < mc; ir += 5) {
    const mr = min(5, mc - ir);
    const i = i0 + ir;
    if (mr == 5 && transA == 0) {
      // Rows 0..3 go through a 4x4 transpose, written 20 bytes apart (unaligned stores
      // are fine in wasm); row 4 fills the fifth float of each step.
      const s0 = aPtr + <usize>i * ldaBytes + (<usize>p0 << 2);
      const s1 = s0 + ldaBytes, s2 = s1 + ldaBytes, s3 = s2 + ldaBytes, s4 = s3 + ldaBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p << 2;
        const o = out + <usize>p * 20;
        transpose4x4(s0 + off, s1 + off, s2 + off, s3 + off, o, 20, va);
        const x4 = f32x4.mul(v128.load(s4 + off), va);
        store<f32>(o, f32x4.extract_lane(x4, 0), 16);
        store<f32>(o, f32x4.extract_lane(x4, 1), 36);
        store<f32>(o, f32x4.extract_lane(x4, 2), 56);
        store<f32>(o, f32x4.extract_lane(x4, 3), 76);
      }
      for (; p < kc; p++) {
        const off = <usize>p << 2;
        const o = out + <usize>p * 20;
        store<f32>(o, alpha * load<f32>(s0 + off));
        store<f32>(o, alpha * load<f32>(s1 + off), 4);
        store<f32>(o, alpha * load<f32>(s2 + off), 8);
        store<f32>(o, alpha * load<f32>(s3 + off), 12);
        store<f32>(o, alpha * load<f32>(s4 + off), 16);
      }
    } else if (mr == 5) {
      let s = aPtr + <usize>p0 * ldaBytes + (<usize>i << 2);
      for (let p = 0; p < kc; p++) {
        const o = out + <usize>p * 20;
        v128.store(o, f32x4.mul(v128.load(s), va));
        store<f32>(o, alpha * load<f32>(s, 16), 16);
        s += ldaBytes;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 5; r++) {
          let v: f32 = 0;
          if (r < mr) {
            v = alpha * (transA == 0
              ? load<f32>(aPtr + <usize>(i + r) * ldaBytes + (<usize>(p0 + p) << 2))
              : load<f32>(aPtr + <usize>(p0 + p) * ldaBytes + (<usize>(i + r) << 2)));
          }
          store<f32>(out + ((<usize>(p * 5 + r)) << 2), v);
        }
      }
    }
    out += <usize>kc * 20;
  }
}

/**
 * Packs steps [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into ceil(nc/8) panels of
 * kc*8 floats at outPtr. transB = 0: (p, j) at bPtr[p*ldb + j]; 1: at bPtr[j*ldb + p].
 */
export function f32_gemm_pack_b_8(transB: i32, nc: i32, kc: i32, bPtr: usize, ldb: i32, p0: i32, j0: i32, outPtr: usize): void {
  const ldbBytes = <usize>ldb << 2;
  const one = f32x4.splat(1);
  let out = outPtr;
  for (let jr = 0; jr < nc; jr += 8) {
    const nr = min(8, nc - jr);
    const j = j0 + jr;
    if (nr == 8 && transB == 0) {
      let s = bPtr + <usize>p0 * ldbBytes + (<usize>j << 2);
      for (let p = 0; p < kc; p++) {
        const o = out + (<usize>p << 5);
        v128.store(o, v128.load(s));
        v128.store(o, v128.load(s, 16), 16);
        s += ldbBytes;
      }
    } else if (nr == 8) {
      const s0 = bPtr + <usize>j * ldbBytes + (<usize>p0 << 2);
      const s4 = s0 + 4 * ldbBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p << 2;
        const o = out + (off << 3);
        transpose4x4(s0 + off, s0 + ldbBytes + off, s0 + 2 * ldbBytes + off, s0 + 3 * ldbBytes + off, o, 32, one);
        transpose4x4(s4 + off, s4 + ldbBytes + off, s4 + 2 * ldbBytes + off, s4 + 3 * ldbBytes + off, o + 16, 32, one);
      }
      for (; p < kc; p++) {
        const off = <usize>p << 2;
        for (let c = 0; c < 8; c++) {
          store<f32>(out + (off << 3) + (<usize>c << 2), load<f32>(s0 + <usize>c * ldbBytes + off));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < 8; c++) {
          let v: f32 = 0;
          if (c < nr) {
            v = transB == 0
              ? load<f32>(bPtr + <usize>(p0 + p) * ldbBytes + (<usize>(j + c) << 2))
              : load<f32>(bPtr + <usize>(j + c) * ldbBytes + (<usize>(p0 + p) << 2));
          }
          store<f32>(out + ((<usize>(p * 8 + c)) << 2), v);
        }
      }
    }
    out += <usize>kc << 5;
  }
}
