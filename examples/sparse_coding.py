"""Dictionary learning on scikit-learn's 8x8 digits: atoms, sparse reconstructions, objective.

``models.DictionaryLearning(n_components=36, alpha=0.5)`` alternates FISTA codes and a
block-coordinate dictionary update on 500 digits; the figure shows the 36 learned atoms,
eight test digits next to their reconstructions code @ dictionary from the sparse codes of
``models.SparseCoder``, and the objective 1/2 ||X - C D||^2 + alpha ||C||_1 per alternation.
It also prints the codes' objective against scikit-learn's ``sparse_encode(lasso_cd)`` on
the learned dictionary. About 10 s of CPU time.

    python examples/sparse_coding.py --out figures/
"""
import argparse

import numpy as np

from deepgrad import models

from _common import digits, pyplot, save_figure  # examples/_common.py, beside this file


def main(out_dir, n_samples=500, max_iter=30):
    plt = pyplot()
    try:
        from sklearn.decomposition import sparse_encode
    except ImportError as e:   # pragma: no cover
        raise ImportError("this example compares with scikit-learn: "
                          "pip install deepgrad[sklearn]") from e

    X = digits()[0] / 16.0
    train, test = X[:n_samples], X[n_samples:n_samples + 200]
    alpha = 0.5
    learner = models.DictionaryLearning(n_components=36, alpha=alpha, max_iter=max_iter,
                                        random_state=0).fit(train)
    D = learner.components_
    coder = models.SparseCoder(D, transform_alpha=alpha)
    codes = coder.transform(test)
    ours = models.lasso_objective(test, codes, D, alpha).mean()
    theirs = models.lasso_objective(test, sparse_encode(test, D, algorithm="lasso_cd",
                                                        alpha=alpha), D, alpha).mean()
    print(f"{learner.n_iter_} alternations; test codes: {np.mean(codes != 0):.1%} non-zero; "
          f"lasso objective per digit {ours:.4f} (FISTA) vs {theirs:.4f} (scikit-learn lasso_cd)")

    fig = plt.figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 3, 1)
    atoms = D.reshape(6, 6, 8, 8).transpose(0, 2, 1, 3).reshape(48, 48)
    top = np.abs(atoms).max()             # a symmetric colour scale: white is 0
    ax.imshow(atoms, cmap="RdBu_r", vmin=-top, vmax=top)
    ax.set_title("36 atoms"), ax.axis("off")
    ax = fig.add_subplot(1, 3, 2)
    pairs = np.vstack([np.hstack([test[i].reshape(8, 8), (codes[i] @ D).reshape(8, 8)])
                       for i in range(8)])
    ax.imshow(pairs, cmap="gray_r"), ax.set_title("test digit | reconstruction"), ax.axis("off")
    ax = fig.add_subplot(1, 3, 3)
    ax.plot(np.arange(1, learner.n_iter_ + 1), learner.error_)
    ax.set_xlabel("alternation"), ax.set_ylabel("1/2 ||X - CD||^2 + alpha ||C||_1")
    fig.tight_layout()
    return save_figure(fig, out_dir, "sparse_coding.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the PNG")
    args = parser.parse_args()
    main(args.out)
