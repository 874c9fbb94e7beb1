// Scalar twin of qu8_gemv_16c2__simd128 (STYLE.md §10).

/** acc[4q + r] = sum_p w_q(r, 2p) x[2p] + w_q(r, 2p+1) x[2p+1] for four panels, as int32. */
export function qu8_gemv_16c2__scalar(kp: i32, wPanelPtr: usize, panelBytes: usize, xPairsPtr: usize, accPtr: usize): void {
  for (let q = 0; q < 4; q++) {
    for (let r = 0; r < 4; r++) {
      let acc = 0;
      for (let p = 0; p < kp; p++) {
        const wp = wPanelPtr + <usize>q * panelBytes + (<usize>p << 4) + (<usize>r << 2);
        const xp = xPairsPtr + (<usize>p << 2);
        acc += <i32>load<i16>(wp) * <i32>load<i16>(xp) + <i32>load<i16>(wp, 2) * <i32>load<i16>(xp, 2);
      }
      store<i32>(accPtr + (<usize>(q * 4 + r) << 2), acc);
    }
  }
}
