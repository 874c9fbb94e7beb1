import { GraphBuilder, type ZooOptions } from './builder.js';

/** A small VGG: three stages of two 3x3 conv-BN-ReLU each (32, 64, 128) with max pooling, then GAP and a classifier. */
export function vggSmall({ inputShape = [1, 28, 28], classes = 10, seed = 0 }: ZooOptions = {}) {
  const g = new GraphBuilder(seed, inputShape);
  let x = g.input;
  for (const width of [32, 64, 128]) {
    for (let i = 0; i < 2; i++) x = g.act(g.bn(g.conv(x, width, 3, { padding: 1, bias: false })));
    x = g.pool(x, 'MaxPool2d', 2);
  }
  x = g.act(g.linear(g.flatten(g.globalAvgPool(x)), 128));
  g.linear(x, classes);
  return g.build('vgg-small');
}
