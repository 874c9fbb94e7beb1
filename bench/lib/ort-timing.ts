// The part of the onnxruntime anchors that does not depend on the package (onnxruntime-node or
// onnxruntime-web, the same session API): inputs shaped from the session's own metadata, timed
// with the shared protocol. Each run copies the input in and the outputs back out, as a caller's would.
import { fillInput, timeInference, type Batch1Timing, type BatchNTiming, type WorkerArgs } from './inference-timing.js';

interface OrtSessionLike<T> {
  readonly inputNames: readonly string[];
  readonly inputMetadata: readonly { isTensor: boolean; shape?: readonly (number | string)[] }[];
  run(feeds: Record<string, T>): Promise<unknown>;
}

/** Times `session` at batch 1 and args.batch on fillInput images; `worker` names it in errors. */
export async function timeOrtSession<T>(session: OrtSessionLike<T>, tensor: (data: Float32Array, dims: number[]) => T, args: WorkerArgs, worker: string): Promise<{ batch1: Batch1Timing; batchN: BatchNTiming }> {
  const meta = session.inputMetadata[0];
  const dims = meta?.isTensor ? meta.shape ?? [] : [];
  const chw = dims.slice(1).map(Number);
  if (chw.length !== 3 || chw.some((d) => !(d > 0))) throw new Error(`${worker}: ${args.file}: input shape [${dims.join(', ')}] is not [N, c, h, w]`);
  const inputs = new Map<number, Record<string, T>>();
  for (const n of [1, args.batch]) inputs.set(n, { [session.inputNames[0]!]: tensor(fillInput(n * chw[0]! * chw[1]! * chw[2]!), [n, ...chw]) });
  return timeInference(async (n) => {
    await session.run(inputs.get(n)!);
  }, args);
}
