import { GraphBuilder, type Ref, type ZooOptions } from './builder.js';

/**
 * ResNet-20 (He et al. 2016, the CIFAR variant: 3 stages x 3 basic blocks, 16/32/64
 * channels) on 28x28 input: stages at 28, 14 and 7 pixels. Where a block changes shape,
 * the shortcut is a 1x1 conv with BN (option B), since zero-padding shortcuts need a
 * strided slice op the rest of the zoo does not.
 */
export function resnet20({ inputShape = [1, 28, 28], classes = 10, seed = 0 }: ZooOptions = {}) {
  const g = new GraphBuilder(seed, inputShape);
  const block = (x: Ref, width: number, stride: number): Ref => {
    let y = g.act(g.bn(g.conv(x, width, 3, { stride, padding: 1, bias: false })));
    y = g.bn(g.conv(y, width, 3, { padding: 1, bias: false }));
    const shortcut = stride !== 1 || x.shape[0] !== width ? g.bn(g.conv(x, width, 1, { stride, bias: false })) : x;
    return g.act(g.addAll([y, shortcut]));
  };
  let x = g.act(g.bn(g.conv(g.input, 16, 3, { padding: 1, bias: false })));
  for (const [width, stride] of [[16, 1], [32, 2], [64, 2]] as const) {
    for (let i = 0; i < 3; i++) x = block(x, width, i === 0 ? stride : 1);
  }
  g.linear(g.flatten(g.globalAvgPool(x)), classes);
  return g.build('resnet20');
}
