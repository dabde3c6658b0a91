"""PyTorch peer of trainingChild.ts: the same networks, batch, loss and optimiser, on the CPU.

Networks (see trainingModels.ts): the MLP 784-256-128-10, the small CNN conv32-pool-conv64-pool-dense128-dense10 on
28x28x1, and the CIFAR ResNet-20 (He et al. 2016, option-A shortcuts) on 32x32x3. Adam(lr 1e-3, weight_decay 5e-4),
softmax cross-entropy, batch 128. Each step does what the trainer's step does: forward in training mode, the batch
accuracy read back to the host, the loss, backward, the update, the loss read back.

    /usr/bin/python3 scripts/bench/torch_training.py --model mlp --threads 1 --warmup 2 --repeats 5 --steps 10
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)
        self.features = nn.Linear(256, 128)
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        h = F.relu(self.hidden(x.flatten(1)))
        return self.classifier(F.relu(self.features(h)))


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.features = nn.Linear(7 * 7 * 64, 128)
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        y = F.max_pool2d(F.relu(self.conv1(x)), 2)
        y = F.max_pool2d(F.relu(self.conv2(y)), 2)
        return self.classifier(F.relu(self.features(y.flatten(1))))


class BasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride = stride
        self.extra = out_channels - in_channels

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = x
        if self.stride != 1 or self.extra != 0:
            # Option A: subsample, zero-pad the new channels (split before and after, as the trainer's model does).
            shortcut = x[:, :, :: self.stride, :: self.stride]
            before = self.extra // 2
            shortcut = F.pad(shortcut, (0, 0, 0, 0, before, self.extra - before))
        return F.relu(y + shortcut)


class ResNet20(nn.Module):
    def __init__(self, width=16, blocks_per_stage=3):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(width)
        layers, in_channels = [], width
        for stage, out_channels in enumerate([width, 2 * width, 4 * width]):
            for index in range(blocks_per_stage):
                layers.append(BasicBlock(in_channels, out_channels, 2 if stage > 0 and index == 0 else 1))
                in_channels = out_channels
        self.blocks = nn.Sequential(*layers)
        self.classifier = nn.Linear(4 * width, 10)

    def forward(self, x):
        y = self.blocks(F.relu(self.stem_bn(self.stem(x))))
        return self.classifier(y.mean(dim=(2, 3)))


MODELS = {"mlp": (Mlp, (1, 28, 28)), "small-cnn": (SmallCnn, (1, 28, 28)), "resnet20": (ResNet20, (3, 32, 32))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build, shape = MODELS[args.model]
    model = build()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
    batches = [(torch.rand(BATCH, *shape) * 2 - 1, torch.randint(0, 10, (BATCH,))) for _ in range(4)]
    counter = [0]

    def step():
        x, labels = batches[counter[0] % len(batches)]
        counter[0] += 1
        optimizer.zero_grad(set_to_none=True)
        logits = model(x)
        correct = (logits.argmax(1) == labels).sum().item()
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        return loss.item(), correct

    for _ in range(args.warmup):
        step()
    rates, step_ms = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        elapsed = time.perf_counter() - start
        rates.append(args.steps * BATCH / elapsed)
        step_ms.append(elapsed * 1000 / args.steps)
    print("BENCH_RESULT " + json.dumps({
        "repeats": rates,
        "imagesPerSecond": statistics.median(rates),
        "msPerStep": statistics.median(step_ms),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
