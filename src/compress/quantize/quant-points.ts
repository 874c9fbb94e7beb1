/**
 * Where activations are quantized. An integer runtime requantizes each value a layer
 * computes, except where an op keeps values on the grid it received (max pooling, flatten,
 * dropout) and where the next op is fused into the producer: a conv or linear followed by
 * BatchNorm and/or ReLU is one integer op, so its quantization point is after the ReLU.
 * There the range is non-negative, and the uint8 (or int8 with zero point −128) range is
 * used in full rather than half wasted on negatives that ReLU would clip anyway. The model
 * input is quantized too.
 */
import { Activation, Add, BatchNorm2d, Conv2d, Dropout, Flatten, INPUT, Linear, Pool2d, type Layer, type Model } from '../../nn/index.js';

/** Producers whose output can absorb a following BN or ReLU in an integer kernel. */
function canFuse(layer: Layer): boolean {
  return layer instanceof Conv2d || layer instanceof Linear || layer instanceof BatchNorm2d || layer instanceof Add;
}

function isFusedConsumer(layer: Layer): boolean {
  return layer instanceof BatchNorm2d || (layer instanceof Activation && (layer.kind === 'ReLU' || layer.kind === 'ReLU6'));
}

function keepsGrid(layer: Layer): boolean {
  return (layer instanceof Pool2d && layer.kind === 'MaxPool2d') || layer instanceof Flatten || layer instanceof Dropout;
}

/**
 * Node names whose outputs are quantized, in model order, starting with INPUT.
 * @example activationQuantPoints(createModel('lenet5')) // ['input', 'relu1', 'relu4', 'relu8', 'relu10', 'fc11']
 */
export function activationQuantPoints(model: Model): string[] {
  const readers = new Map<string, Layer[]>();
  for (const n of model.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n.layer]);
  const points = [INPUT];
  for (const n of model.nodes) {
    if (keepsGrid(n.layer)) continue;
    const next = readers.get(n.name) ?? [];
    if (canFuse(n.layer) && next.length === 1 && isFusedConsumer(next[0]!)) continue;
    points.push(n.name);
  }
  return points;
}
