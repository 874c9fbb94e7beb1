import { GraphBuilder, type ZooOptions } from './builder.js';

/** The Keras MNIST CNN: conv32-conv64-maxpool-dropout(0.25)-fc128-dropout(0.5)-fc, with Keras's glorot_uniform init. */
export function mnistCnn({ inputShape = [1, 28, 28], classes = 10, seed = 0 }: ZooOptions = {}) {
  const g = new GraphBuilder(seed, inputShape, 'glorot');
  let x = g.act(g.conv(g.input, 32, 3));
  x = g.act(g.conv(x, 64, 3));
  x = g.dropout(g.pool(x, 'MaxPool2d', 2), 0.25);
  x = g.dropout(g.act(g.linear(g.flatten(x), 128)), 0.5);
  g.linear(x, classes);
  return g.build('mnist-cnn');
}
