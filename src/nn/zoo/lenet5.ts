import { GraphBuilder, type ZooOptions } from './builder.js';

/** LeNet-5 with ReLU and max pooling: conv6(5x5, pad 2)-pool-conv16(5x5)-pool-fc120-fc84-fc. */
export function lenet5({ inputShape = [1, 28, 28], classes = 10, seed = 0 }: ZooOptions = {}) {
  const g = new GraphBuilder(seed, inputShape);
  let x = g.pool(g.act(g.conv(g.input, 6, 5, { padding: 2 })), 'MaxPool2d', 2);
  x = g.pool(g.act(g.conv(x, 16, 5)), 'MaxPool2d', 2);
  x = g.flatten(x);
  x = g.act(g.linear(x, 120));
  x = g.act(g.linear(x, 84));
  g.linear(x, classes);
  return g.build('lenet5');
}
