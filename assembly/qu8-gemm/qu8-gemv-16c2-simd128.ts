// The int8 GEMV for batch-1 linear layers: 16 output rows (four 4-row weight panels) of
// one activation row. The packed weight step of a panel is one v128 of four rows' i16
// pairs; the activation pair (x[2p], x[2p+1]) is one 32-bit splat, so each step is a load,
// a dot and an add per panel and one splat for all four. It streams weights (2 bytes per
// multiply-add) and is bound by memory beyond L2; measured ~50 GOP/s with L1-resident
// panels on one core.

/**
 * P panels (a constant 1..4 at each call site) of kp steps each, panelBytes apart:
 * acc[4q + r] = sum_p w_q(r, 2p) x[2p] + w_q(r, 2p+1) x[2p+1] as int32 at accPtr. xPairsPtr
 * holds kp i16 pairs (the activation row widened, zero-padded to an even length).
 */
// @ts-ignore: decorator
@inline export function qu8GemvPanels(P: i32, kp: i32, wPanelPtr: usize, panelBytes: usize, xPairsPtr: usize, accPtr: usize): void {
  let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  const w0 = wPanelPtr, w1 = w0 + panelBytes, w2 = w1 + panelBytes, w3 = w2 + panelBytes;
  const end = <usize>kp << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const a = v128.load32_splat(xPairsPtr + o);
    const q = o << 2;
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(a, v128.load(w0 + q)));
    if (P > 1) c1 = i32x4.add(c1, i32x4.dot_i16x8_s(a, v128.load(w1 + q)));
    if (P > 2) c2 = i32x4.add(c2, i32x4.dot_i16x8_s(a, v128.load(w2 + q)));
    if (P > 3) c3 = i32x4.add(c3, i32x4.dot_i16x8_s(a, v128.load(w3 + q)));
  }
  v128.store(accPtr, c0);
  if (P > 1) v128.store(accPtr, c1, 16);
  if (P > 2) v128.store(accPtr, c2, 32);
  if (P > 3) v128.store(accPtr, c3, 48);
}

/** Four panels (16 rows): see qu8GemvPanels. */
export function qu8_gemv_16c2__simd128(kp: i32, wPanelPtr: usize, panelBytes: usize, xPairsPtr: usize, accPtr: usize): void {
  qu8GemvPanels(4, kp, wPanelPtr, panelBytes, xPairsPtr, accPtr);
}
