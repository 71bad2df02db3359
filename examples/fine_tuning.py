"""Fine-tuning a small CNN on MNIST-1D: transfer from digits 0-4 to digits 5-9.

1. Pretrain a 1-D CNN on the classes 0-4 (all their training samples).
2. Keep 10 % of the training samples of the classes 5-9 (the "target" task) and train
   three models on them, each with a fresh 5-way head:
   (a) frozen features: only the new head trains (``freeze(model, "features")``);
   (b) full fine-tuning with discriminative learning rates: the pretrained features move
       slowly, the new head fast (``param_groups(model, {"features": ..., "head": ...})``);
   (c) from scratch: the same network, randomly initialised, trained on the same data.
3. Print the three accuracies on the target test set.

Each variant runs with three seeds (head initialisation and batch order); the mean and
the three values are printed. Read the printout rather than a rule: at this size (200
target samples) the three end within a few points of each other, and which one wins can
change with the seeds. About a minute of CPU time.

    python examples/fine_tuning.py
"""
import numpy as np

import deepgrad
from deepgrad import nn, optim
from deepgrad.datasets import load_mnist1d
from deepgrad.train import Trainer, freeze, param_groups


class SmallCNN(nn.Module):
    """features: two conv blocks on the (1, 40) signal; head: one linear layer on them."""

    def __init__(self, classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),      # (16, 20)
            nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),     # (32, 10)
            nn.Flatten())
        self.head = nn.Linear(32 * 10, classes)

    def forward(self, x):
        return self.head(self.features(x))


def subset(x, y, classes):
    keep = np.isin(y, classes)
    return x[keep][:, None, :].astype(np.float32), (y[keep] - min(classes)).astype(np.int64)


def train(model, opt, data, epochs, val=None, seed=0, batch_size=32):
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), metrics=["accuracy"], progress=None,
                      seed=seed, batch_size=batch_size)
    trainer.fit(data, epochs=epochs)
    return trainer.evaluate(val)["accuracy"] if val is not None else None


def main(seeds=(1, 2, 3)):
    d = load_mnist1d()
    source = subset(d["x"], d["y"], range(5))
    target_x, target_y = subset(d["x"], d["y"], range(5, 10))
    target_test = subset(d["x_test"], d["y_test"], range(5, 10))
    rng = np.random.default_rng(0)
    few = rng.permutation(len(target_y))[: len(target_y) // 10]      # 10 % of the target data
    target = (target_x[few], target_y[few])
    print(f"pretraining on {len(source[1])} samples of digits 0-4; fine-tuning on "
          f"{len(few)} samples of digits 5-9; testing on {len(target_test[1])}")

    deepgrad.manual_seed(0)
    pretrained = SmallCNN()
    acc = train(pretrained, optim.Adam(pretrained.parameters(), lr=3e-3), source, epochs=15,
                val=subset(d["x_test"], d["y_test"], range(5)), batch_size=64)
    print(f"source task (digits 0-4) test accuracy: {acc:.3f}")
    weights = {k: v.clone() for k, v in pretrained.features.state_dict().items()}

    def frozen(seed):
        model = SmallCNN()                       # a fresh head for the new classes
        model.features.load_state_dict(weights)
        freeze(model, "features")
        opt = optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
        return train(model, opt, target, epochs=30, val=target_test, seed=seed)

    def discriminative(seed):
        model = SmallCNN()
        model.features.load_state_dict(weights)
        groups = param_groups(model, {"features": 1e-3, "head": 3e-3})
        return train(model, optim.Adam(groups), target, epochs=30, val=target_test, seed=seed)

    def scratch(seed):
        model = SmallCNN()
        return train(model, optim.Adam(model.parameters(), lr=3e-3), target, epochs=30,
                     val=target_test, seed=seed)

    variants = {"(a) frozen features": frozen,
                "(b) fine-tuned, discriminative lr": discriminative,
                "(c) from scratch": scratch}
    for name, run in variants.items():
        accs = []
        for seed in seeds:                       # the head's init and the batch order vary
            deepgrad.manual_seed(seed)
            accs.append(run(seed))
        print(f"{name:<36} target test accuracy: {np.mean(accs):.3f} "
              f"(seeds {', '.join(f'{a:.3f}' for a in accs)})")


if __name__ == "__main__":
    main()
