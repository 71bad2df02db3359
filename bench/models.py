"""deepgrad.models at full size, side by side with torch and scikit-learn (issue 11).

1. VAE: pytorch/examples' VAE (fc1 400 ReLU, 20-d latent, Bernoulli decoder, Adam 1e-3,
   batch 128, the example's loss summed over pixels) on scikit-learn's 8x8 digits scaled to
   [0, 1] (1,437 train / 360 test). deepgrad and torch start from the same weights and see
   the same batches; each draws its own reparameterisation noise while training. The test
   loss (per digit) is evaluated with one shared set of noise. Wall time of the training.
2. Stacked autoencoder on MNIST-1D with 10 % of the labels (400 of 4,000): greedy
   layer-wise pretraining (plain, and denoising) on all 4,000 inputs, then fine-tuning on
   the 400 labelled ones, against the same network trained from scratch on those 400;
   test accuracy on the 1,000 test samples, mean over three seeds.
3. Sparse coding on the digits: the lasso objective of deepgrad's FISTA codes against
   scikit-learn's sparse_encode(algorithm="lasso_cd") on the same dictionary, and
   DictionaryLearning (ours: FISTA + block coordinate descent; scikit-learn: fit_algorithm
   "cd") final objective, wall times.

BLAS runs on one thread in both libraries (the machine is shared; one thread makes the
wall times comparable). ``--quick`` runs small sizes for a smoke test.

    python bench/models.py [--quick]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import deepgrad  # noqa: E402
from deepgrad import models, nn, optim  # noqa: E402
from deepgrad.datasets import load_mnist1d  # noqa: E402
from deepgrad.train import Trainer  # noqa: E402


def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    X = (d.data[order] / 16.0).astype(np.float32)
    return X[:1437], X[1437:]


# --- 1. VAE -----------------------------------------------------------------------------
def vae_deepgrad(init, X, Xt, eps_test, epochs, batch, order):
    vae = models.VAE(X.shape[1], (400,), 20)
    vae.load_state_dict({k: deepgrad.tensor(v) for k, v in init.items()})
    opt = optim.Adam(vae.parameters(), lr=1e-3)
    Xd = deepgrad.tensor(X)
    start = time.perf_counter()
    for perm in order[:epochs]:
        for i in range(0, len(X), batch):
            xb = Xd[deepgrad.tensor(perm[i:i + batch])]
            opt.zero_grad()
            loss = vae.loss(xb)["loss"] * xb.shape[0]        # the example sums over the batch
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with deepgrad.no_grad():
        test = -vae.elbo(deepgrad.tensor(Xt), eps=deepgrad.tensor(eps_test)).mean().item()
    return test, seconds


def vae_torch(init, X, Xt, eps_test, epochs, batch, order):
    import torch
    F = torch.nn.functional
    names = {"encoder.0": "fc1", "fc_mu": "fc21", "fc_logvar": "fc22", "decoder.0": "fc3",
             "decoder.2": "fc4"}

    class VAE(torch.nn.Module):          # pytorch/examples vae/main.py, input size D
        def __init__(self, D):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = (torch.nn.Linear(D, 400), torch.nn.Linear(400, 20),
                                              torch.nn.Linear(400, 20))
            self.fc3, self.fc4 = torch.nn.Linear(20, 400), torch.nn.Linear(400, D)

        def forward(self, x, eps=None):
            h1 = F.relu(self.fc1(x))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            std = torch.exp(0.5 * logvar)
            z = mu + (torch.randn_like(std) if eps is None else eps) * std
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
        return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    model = VAE(X.shape[1])
    state = {}
    for k, v in init.items():
        prefix, _, leaf = k.rpartition(".")
        state[f"{names[prefix]}.{leaf}"] = torch.from_numpy(v.copy())
    model.load_state_dict(state)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt_ = torch.from_numpy(X)
    start = time.perf_counter()
    for perm in order[:epochs]:
        for i in range(0, len(X), batch):
            xb = Xt_[torch.from_numpy(perm[i:i + batch])]
            opt.zero_grad()
            recon, mu, logvar = model(xb)
            loss = loss_function(recon, xb, mu, logvar)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        xt = torch.from_numpy(Xt)
        recon, mu, logvar = model(xt, torch.from_numpy(eps_test))
        test = loss_function(recon, xt, mu, logvar).item() / len(Xt)
    return test, seconds


def bench_vae(epochs):
    import torch
    X, Xt = digits()
    rng = np.random.default_rng(1)
    order = [rng.permutation(len(X)) for _ in range(epochs)]
    eps_test = rng.standard_normal((len(Xt), 20)).astype(np.float32)
    print(f"1. VAE 64-400-20 (pytorch/examples), digits, {epochs} epochs, batch 128")
    print("   seed  deepgrad test loss  torch test loss  ratio   deepgrad s  torch s")
    ratios = []
    warm = {k: v.numpy().copy() for k, v in models.VAE(64, (400,), 20).state_dict().items()}
    vae_deepgrad(warm, X[:256], Xt, eps_test, 1, 128, [np.arange(256)])   # lazy set-up, JIT
    vae_torch(warm, X[:256], Xt, eps_test, 1, 128, [np.arange(256)])
    for seed in (0, 1):
        deepgrad.manual_seed(seed)
        torch.manual_seed(seed)
        init = {k: v.numpy().copy() for k, v in models.VAE(64, (400,), 20).state_dict().items()}
        ours, t_ours = vae_deepgrad(init, X, Xt, eps_test, epochs, 128, order)
        theirs, t_theirs = vae_torch(init, X, Xt, eps_test, epochs, 128, order)
        ratios.append(ours / theirs)
        print(f"   {seed:4d}  {ours:18.3f}  {theirs:15.3f}  {ours / theirs:5.3f}  "
              f"{t_ours:10.1f}  {t_theirs:7.1f}")
    print(f"   deepgrad/torch test loss: {np.mean(ratios):.4f} (|diff| "
          f"{abs(np.mean(ratios) - 1):.2%}; target within 2 %)")


# --- 2. stacked autoencoder -----------------------------------------------------------------
def bench_stacked(pretrain_epochs, finetune_epochs, seeds):
    d = load_mnist1d()
    X, y = deepgrad.tensor(d["x"], dtype=deepgrad.float32), deepgrad.tensor(d["y"])
    Xt, yt = deepgrad.tensor(d["x_test"], dtype=deepgrad.float32), deepgrad.tensor(d["y_test"])
    n_lab = len(d["y"]) // 10
    print(f"\n2. Stacked autoencoder [40, 256, 128] (sigmoid), MNIST-1D, {n_lab} labels (10 %); "
          f"pretrain {pretrain_epochs} epochs/layer on all {len(d['y'])} inputs, fine-tune "
          f"{finetune_epochs} epochs (Adam 1e-3, batch 32)")
    variants = {"stacked AE": None, "stacked denoising AE (gaussian 0.5)": "gaussian",
                "scratch": None}
    results = {name: [] for name in variants}
    for seed in range(seeds):
        labelled = deepgrad.tensor(np.random.default_rng(seed).permutation(len(d["y"]))[:n_lab])
        Xl, yl = X[labelled], y[labelled]
        for name, noise in variants.items():
            deepgrad.manual_seed(seed)
            sae = models.StackedAutoencoder([40, 256, 128], n_classes=10, noise=noise,
                                            noise_level=0.5)
            start = time.perf_counter()
            if name != "scratch":
                sae.pretrain(X, epochs=pretrain_epochs, lr=1e-3, batch_size=64, seed=seed)
            trainer = Trainer(sae, optim.Adam(sae.parameters(), 1e-3), nn.CrossEntropyLoss(),
                              metrics=["accuracy"], progress=None, seed=seed, batch_size=32)
            trainer.fit((Xl, yl), epochs=finetune_epochs)
            acc = trainer.evaluate((Xt, yt))["accuracy"]
            results[name].append(acc)
            print(f"   seed {seed}  {name:36s} test accuracy {acc:.3f}  "
                  f"({time.perf_counter() - start:.1f} s)")
    for name, accs in results.items():
        print(f"   {name:36s} mean test accuracy {np.mean(accs):.3f} "
              f"(min {min(accs):.3f}, max {max(accs):.3f}) over {seeds} seeds")


# --- 3. sparse coding ---------------------------------------------------------------------
def bench_sparse_coding(n_components, max_iter):
    from sklearn.decomposition import DictionaryLearning as SkDL
    from sklearn.decomposition import sparse_encode as sk_encode
    X, Xt = digits()
    X, Xt = X.astype(np.float64), Xt.astype(np.float64)
    alpha = 0.5
    print(f"\n3. Sparse coding, digits, {n_components} atoms, alpha {alpha}, "
          f"{max_iter} alternations")
    start = time.perf_counter()
    ours = models.DictionaryLearning(n_components, alpha=alpha, max_iter=max_iter,
                                     random_state=0).fit(X)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    sk = SkDL(n_components, alpha=alpha, max_iter=max_iter, fit_algorithm="cd",
              transform_algorithm="lasso_cd", transform_alpha=alpha, random_state=0).fit(X)
    t_sk = time.perf_counter() - start
    for label, D in (("deepgrad dictionary", ours.components_),
                     ("sklearn dictionary", sk.components_)):
        start = time.perf_counter()
        c_ours = models.sparse_encode(Xt, D, alpha, "fista", max_iter=2000)
        t1 = time.perf_counter() - start
        start = time.perf_counter()
        c_sk = sk_encode(Xt, D, algorithm="lasso_cd", alpha=alpha, max_iter=2000)
        t2 = time.perf_counter() - start
        f1 = models.lasso_objective(Xt, c_ours, D, alpha).sum()
        f2 = models.lasso_objective(Xt, c_sk, D, alpha).sum()
        print(f"   test codes on the {label}: FISTA {f1:.4f} ({t1:.2f} s) vs lasso_cd "
              f"{f2:.4f} ({t2:.2f} s): ratio {f1 / f2:.5f}")
    f_ours = models.lasso_objective(X, models.sparse_encode(X, ours.components_, alpha),
                                    ours.components_, alpha).sum()
    f_sk = models.lasso_objective(X, sk.transform(X), sk.components_, alpha).sum()
    print(f"   DictionaryLearning train objective: deepgrad {f_ours:.2f} ({t_ours:.1f} s), "
          f"scikit-learn {f_sk:.2f} ({t_sk:.1f} s): ratio {f_ours / f_sk:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    import torch
    deepgrad.set_num_threads(1)
    torch.set_num_threads(1)
    from bench.common import machine_line
    print(machine_line())
    if args.quick:
        bench_vae(epochs=1)
        bench_stacked(pretrain_epochs=1, finetune_epochs=2, seeds=1)
        bench_sparse_coding(n_components=16, max_iter=3)
    else:
        bench_vae(epochs=50)
        bench_stacked(pretrain_epochs=20, finetune_epochs=50, seeds=3)
        bench_sparse_coding(n_components=64, max_iter=50)


if __name__ == "__main__":
    main()
