/** What the training loop reads: any labelled image set that can be batched by epoch. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  /** [n, c, h, w] */
  shape: readonly [number, number, number, number];
}

export interface BatchSource {
  readonly count: number;
  /** Batches for one epoch; `shuffleSeed` undefined means the stored order. */
  batches(batchSize: number, shuffleSeed?: number): Iterable<Batch>;
}
