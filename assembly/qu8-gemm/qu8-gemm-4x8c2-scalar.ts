// Scalar twin of qu8_gemm_4x8c2__simd128 (STYLE.md §10): same packed panels, same tile.

/** acc[r*8 + c] = sum over kp steps of the panels' i16 pairs, as int32 at accPtr. */
export function qu8_gemm_4x8c2__scalar(kp: i32, wPanelPtr: usize, xPanelPtr: usize, accPtr: usize): void {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 8; c++) {
      let acc = 0;
      for (let p = 0; p < kp; p++) {
        const wp = wPanelPtr + (<usize>p << 4) + (<usize>r << 2);
        const xp = xPanelPtr + (<usize>p << 5) + (<usize>c << 2);
        acc += <i32>load<i16>(wp) * <i32>load<i16>(xp) + <i32>load<i16>(wp, 2) * <i32>load<i16>(xp, 2);
      }
      store<i32>(accPtr + (<usize>(r * 8 + c) << 2), acc);
    }
  }
}
