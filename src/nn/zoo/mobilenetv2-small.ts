import { GraphBuilder, type Ref, type ZooOptions } from './builder.js';

/**
 * A small MobileNet-v2: inverted residual blocks (1x1 expand, 3x3 depthwise, linear 1x1
 * project, residual when shapes match) with ReLU6, sized for 28x28 input.
 */
export function mobilenetv2Small({ inputShape = [1, 28, 28], classes = 10, seed = 0 }: ZooOptions = {}) {
  const g = new GraphBuilder(seed, inputShape);
  const block = (x: Ref, expand: number, out: number, stride: number): Ref => {
    const hidden = x.shape[0] * expand;
    let y = expand === 1 ? x : g.act(g.bn(g.conv(x, hidden, 1, { bias: false })), 'ReLU6');
    y = g.act(g.bn(g.conv(y, hidden, 3, { stride, padding: 1, groups: hidden, bias: false })), 'ReLU6');
    y = g.bn(g.conv(y, out, 1, { bias: false }));
    return stride === 1 && x.shape[0] === out ? g.addAll([y, x]) : y;
  };
  let x = g.act(g.bn(g.conv(g.input, 16, 3, { padding: 1, bias: false })), 'ReLU6');
  // [expansion, out channels, repeats, first stride]
  for (const [t, c, n, s] of [[1, 16, 1, 1], [4, 24, 2, 2], [4, 32, 2, 2], [4, 64, 1, 1]] as const) {
    for (let i = 0; i < n; i++) x = block(x, t, c, i === 0 ? s : 1);
  }
  x = g.act(g.bn(g.conv(x, 128, 1, { bias: false })), 'ReLU6');
  g.linear(g.flatten(g.globalAvgPool(x)), classes);
  return g.build('mobilenetv2-small');
}
