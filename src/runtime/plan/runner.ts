/**
 * A plan with its way in and out: raw pixels are staged in a float32 buffer, standardized (and
 * put on the input's grid) by kernels, run through the plan's steps, and the output is left as
 * float32. Everything after staging is kernel calls only, so one recording captures a whole run
 * (KernelProgram), and a session can hold one runner per thread to run shares of a batch apart.
 */
import { parallel, wasm } from '../../kernels/index.js';
import { SessionError } from '../errors.js';
import type { DeployModel } from '../graph.js';
import type { Plan } from './plan.js';
import { copyIntoFrame, toU8Grid } from './values.js';

export class PlanRunner {
  private inputScratch = 0;
  private outputScratch = 0;
  private codesScratch = 0;
  /** Per channel, written once: float32 1/std and −mean/std, float64 mean and 1/std. */
  private constants = 0;

  constructor(readonly plan: Plan, private readonly model: DeployModel, readonly capacity: number) {}

  /** Bytes this runner holds: activation buffers, each step's packed weights and scratch, staging. */
  get bytes(): number {
    const staging = this.plan.input.dtype === 'f32' ? 0 : (this.plan.input.frame ? 5 : 4) * this.capacity * this.plan.input.size;
    const output = this.plan.output.dtype === 'f32' ? 0 : 4 * this.capacity * this.plan.output.size;
    return this.plan.values.reduce((s, v) => s + v.stride * this.capacity, 0) + this.plan.steps.reduce((s, x) => s + x.step.bytes, 0) + staging + output;
  }

  /**
   * Copies raw pixels for `pixels.length / inputSize` samples into the staging buffer: the input
   * value itself when it holds float32, else a float32 buffer `run` quantizes from.
   */
  stage(pixels: Float32Array): void {
    wasm().heap.f32(this.stagingPtr(), pixels.length).set(pixels);
  }

  /**
   * The kernel calls of one run of n staged samples: standardize (and quantize), the steps, and
   * (uint8 outputs) dequantize into `outputPtr`. A quantized input is standardized in float64 as
   * the training batches were, (x − mean) · (1 / std) rounded to float32 (f32_standardize), so it
   * lands on the grid codes the simulation saw; then a kernel puts it on its grid (the same
   * division and rounding as quantizeValue).
   */
  run(n: number): void {
    const v = this.plan.input;
    const [c, h, w] = this.model.inputShape;
    const plane = h * w;
    const q = this.model.inputQuant;
    const k = this.inputConstants();
    if (v.dtype === 'f32' && q === null) {
      parallel('f32_channel_affine', [v.ptr, k.scale, k.shift, v.ptr, n, c, plane], n * c, { minPerThread: 16 });
    } else {
      const g = toU8Grid(q!);
      const floats = this.stagingPtr();
      parallel('f32_standardize', [floats, k.mean, k.invStd, floats, c, plane], n * c, { minPerThread: 16 });
      const kernel = v.dtype === 'f32' ? 'qu8_fake_quantize' : 'qu8_quantize';
      if (!v.frame) {
        parallel(kernel, [floats, v.ptr, g.scale, g.zeroPoint], n * v.size, { grain: 16, minPerThread: 1 << 14 });
      } else {
        // A framed input (plan/frames.ts): codes in planes of their own, then into the frame.
        const codes = this.codesPtr();
        parallel(kernel, [floats, codes, g.scale, g.zeroPoint], n * v.size, { grain: 16, minPerThread: 1 << 14 });
        copyIntoFrame(codes, v, n);
      }
    }
    for (const { step } of this.plan.steps) step.run(n);
    const out = this.plan.output;
    if (out.dtype === 'u8') parallel('qu8_dequantize', [out.ptr, this.outputPtr(), out.grid!.scale, out.grid!.zeroPoint], n * out.size, { grain: 16, minPerThread: 1 << 14 });
  }

  /** Where a run's float32 outputs are: the output value, or the buffer its codes are dequantized into. */
  outputPtr(): number {
    const out = this.plan.output;
    if (out.dtype === 'f32') return out.ptr;
    if (this.outputScratch === 0) this.outputScratch = wasm().heap.alloc(4 * this.capacity * out.size);
    return this.outputScratch;
  }

  /** A framed input's codes before they go into its frame. */
  private codesPtr(): number {
    if (this.codesScratch === 0) this.codesScratch = wasm().heap.alloc(this.capacity * this.plan.input.size);
    return this.codesScratch;
  }

  private stagingPtr(): number {
    const v = this.plan.input;
    if (v.dtype === 'f32') return v.ptr;
    if (this.inputScratch === 0) this.inputScratch = wasm().heap.alloc(4 * this.capacity * v.size);
    return this.inputScratch;
  }

  private inputConstants(): { scale: number; shift: number; mean: number; invStd: number } {
    const c = this.model.inputShape[0];
    const { mean, std } = this.model.preprocessing;
    const heap = wasm().heap;
    if (this.constants === 0) {
      // One value serves every channel; otherwise one per channel.
      for (const [name, a] of [['means', mean], ['stds', std]] as const) {
        if (a.length !== 1 && a.length !== c) throw new SessionError(`Session: preprocessing has ${a.length} ${name} for ${c} input channels`);
      }
      const at = (a: number[], ch: number) => a[a.length === 1 ? 0 : ch]!;
      this.constants = heap.alloc(24 * c);
      const f32 = heap.f32(this.constants, 2 * c);
      const f64 = new Float64Array(heap.memory.buffer, this.constants + 8 * c, 2 * c);
      for (let ch = 0; ch < c; ch++) {
        f32[ch] = 1 / at(std, ch);
        f32[c + ch] = -at(mean, ch) / at(std, ch);
        f64[ch] = at(mean, ch);
        f64[c + ch] = 1 / at(std, ch);
      }
    }
    return { scale: this.constants, shift: this.constants + 4 * c, mean: this.constants + 8 * c, invStd: this.constants + 16 * c };
  }

  dispose(): void {
    this.plan.dispose();
    for (const p of [this.constants, this.inputScratch, this.outputScratch, this.codesScratch]) if (p !== 0) wasm().heap.free(p);
    this.constants = this.inputScratch = this.outputScratch = this.codesScratch = 0;
  }
}
