"""PyTorch CPU training throughput for the anchor line of `npm run bench:train`.

Usage: python3 bench/torch_train.py <lenet5|mnist-cnn> [seconds] [threads] [batch]

Trains the same architectures as prunequant's zoo (src/nn/zoo/lenet5.ts, mnist-cnn.ts;
NCHW, same layer sizes, dropout on in training mode) with SGD momentum 0.9, lr 0.01, on
random data shaped like normalised MNIST: throughput does not depend on pixel values.
Prints one JSON line. Measures only; asserts nothing.
"""
import json
import resource
import statistics
import sys
import time

import torch
from torch import nn

WARMUP_STEPS = 3


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def mnist_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


MODELS = {'lenet5': lenet5, 'mnist-cnn': mnist_cnn}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else 'lenet5'
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    if name not in MODELS:
        sys.exit(f'torch_train.py: unknown model {name!r}; known: {", ".join(MODELS)}')
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = MODELS[name]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    # A few distinct batches, cycled, so no step reuses the previous step's input buffer.
    xs = [torch.randn(batch, 1, 28, 28) for _ in range(8)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(8)]

    def step(i: int) -> None:
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(xs[i % 8]), ys[i % 8])
        loss.backward()
        opt.step()
        loss.item()  # the training loop reads the loss each step, as ours does

    for i in range(WARMUP_STEPS):
        step(i)
    steps = 0
    step_ms = []
    start = last = time.perf_counter()
    while True:
        step(steps)
        steps += 1
        now = time.perf_counter()
        step_ms.append((now - last) * 1000)
        last = now
        elapsed = now - start
        if elapsed >= seconds:
            break
    print(json.dumps({
        'runtime': 'pytorch', 'version': torch.__version__, 'model': name,
        'threads': torch.get_num_threads(), 'batch': batch, 'steps': steps, 'seconds': elapsed,
        'imagesPerSecond': steps * batch / elapsed, 'medianStepMs': statistics.median(step_ms),
        'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == '__main__':
    main()
