/**
 * The allocator for the shared WebAssembly memory. TypeScript owns every byte the kernels
 * touch (STYLE.md §6): tensors, packed weights and per-thread scratch all come from here.
 *
 * Blocks come in power-of-two size classes of at least 64 bytes, so every offset is
 * 64-byte aligned (v128 loads need 16) and a freed block is reused by the next request of
 * its class without searching. That wastes up to half of a block, which is the price of a
 * free that costs O(1) and a training step that, after its first iteration, allocates
 * nothing new from the memory at all.
 */
const MIN_CLASS = 6; // 64 bytes
const PAGE_BYTES = 65536;

export class Heap {
  private top: number;
  private readonly freeLists: number[][] = [];
  private readonly classOf = new Map<number, number>();
  /** Bytes currently handed out, for leak checks in tests. */
  liveBytes = 0;

  /** Runs after every grow; the runtime points it at the module's memory_sync (see assembly/util.ts). */
  onGrow: () => void = () => {};

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = Math.ceil(base / 64) * 64;
  }

  /** Returns a 64-byte-aligned offset of a block of at least `bytes` bytes. */
  alloc(bytes: number): number {
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(bytes, 1))));
    const list = this.freeLists[cls];
    const size = 2 ** cls;
    let ptr = list?.pop();
    if (ptr === undefined) {
      ptr = this.top;
      this.top += size;
      const needPages = Math.ceil(this.top / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
      if (needPages > 0) {
        try {
          this.memory.grow(needPages);
          this.onGrow();
        } catch {
          this.top -= size;
          throw new RangeError(`heap: cannot grow WebAssembly memory to ${this.top + size} bytes for a ${bytes}-byte block`);
        }
      }
    }
    this.classOf.set(ptr, cls);
    this.liveBytes += size;
    return ptr;
  }

  free(ptr: number): void {
    const cls = this.classOf.get(ptr);
    if (cls === undefined) throw new Error(`heap: free of ${ptr}, which is not a live block`);
    this.classOf.delete(ptr);
    (this.freeLists[cls] ??= []).push(ptr);
    this.liveBytes -= 2 ** cls;
  }

  /** Number of live blocks, for leak checks in tests. */
  get liveBlocks(): number {
    return this.classOf.size;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}
