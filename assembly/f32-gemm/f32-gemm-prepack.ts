// Weight packing for inference (STYLE.md §5): a row-major [m x k] weight matrix becomes
// ceil(m/5) panels of 5 rows by the whole k, in the 5x8 micro-kernel's A layout (element
// (r, p) of panel i at panel[p*5 + r], panel i at i*k*5 floats, rows past m zero). It runs
// once, when a session is created; f32_gemm_prepacked then only packs its activations.
// Because a panel spans the whole reduction, any k-range of it is itself a packed panel
// (starting at p0*5), so one packing serves every way a driver cares to block k.
import { f32_gemm_pack_a_5, F32_GEMM_MR } from './f32-gemm-pack';

/** Bytes f32_gemm_prepack_a writes for an [m x k] matrix. */
export function f32_gemm_prepack_a_bytes(m: i32, k: i32): i32 {
  return ((m + F32_GEMM_MR - 1) / F32_GEMM_MR) * F32_GEMM_MR * k * 4;
}

/** Packs w (row-major [m x k], row stride ldw floats) into 5-row panels at outPtr. */
export function f32_gemm_prepack_a(m: i32, k: i32, wPtr: usize, ldw: i32, outPtr: usize): void {
  if (m <= 0 || k <= 0) return;
  f32_gemm_pack_a_5(0, m, k, 1.0, wPtr, ldw, 0, 0, outPtr);
}
