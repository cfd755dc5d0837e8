#!/usr/bin/python3
"""PyTorch peer of emoaug's `real` SER setting: the authors' classifier, leave-one-group-out x R.

Same protocol as emoaug: MLP d-100-100-C, leaky ReLU 0.2, dropout 0.2, Xavier-uniform weights and
zero biases, Adam (lr 1e-5), batch 64, epochs + 1 passes each over a fresh shuffle with the last
partial batch dropped, z-normalisation fitted separately on the training and on the test data,
UAR averaged over the folds of a repetition, then mean and population std over the repetitions.
Prints `name value` lines.

  /usr/bin/python3 bench/pytorch_ser_real.py ../shared/data/iemocap-emobase2010.h5 --threads 2
"""
import argparse
import time

import h5py
import numpy as np
import torch


def znorm(x):
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    return (x - mean) / std


def uar(truth, pred, classes):
    recalls = [np.mean(pred[truth == c] == c) for c in range(classes) if np.any(truth == c)]
    return float(np.mean(recalls))


def mlp(d, hidden, classes, dropout):
    layers, prev = [], d
    for h in hidden:
        lin = torch.nn.Linear(prev, h)
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers += [lin, torch.nn.LeakyReLU(0.2), torch.nn.Dropout(dropout)]
        prev = h
    out = torch.nn.Linear(prev, classes)
    torch.nn.init.xavier_uniform_(out.weight)
    torch.nn.init.zeros_(out.bias)
    return torch.nn.Sequential(*layers, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=70)
    ap.add_argument("--folds", type=int, default=0, help="run only the first N folds (0 = all)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with h5py.File(args.corpus, "r") as f:
        x = f["features"][...].astype(np.float32)
        y = f["labels"][...].astype(np.int64)
        g = f["groups"][...]
        classes = len(f["class_names"])
    groups = sorted(set(g.tolist()))
    if args.folds:
        groups = groups[: args.folds]
    start = time.time()
    rep_uars = []
    for rep in range(args.repetitions):
        fold_uars = []
        for k, held in enumerate(groups):
            torch.manual_seed(1000 * rep + k)
            rng = np.random.default_rng(1000 * rep + k)
            tr, te = g != held, g == held
            xtr, ytr = torch.from_numpy(znorm(x[tr])), torch.from_numpy(y[tr])
            xte = torch.from_numpy(znorm(x[te]))
            model = mlp(x.shape[1], [100, 100], classes, 0.2)
            opt = torch.optim.Adam(model.parameters(), lr=1e-5)
            n, b = len(ytr), 64
            for _ in range(args.epochs + 1):
                model.train()
                order = torch.from_numpy(rng.permutation(n))
                for i in range(n // b):
                    idx = order[i * b:(i + 1) * b]
                    opt.zero_grad()
                    loss = torch.nn.functional.cross_entropy(model(xtr[idx]), ytr[idx])
                    loss.backward()
                    opt.step()
            model.eval()
            with torch.no_grad():
                pred = model(xte).argmax(dim=1).numpy()
            fold_uars.append(uar(y[te], pred, classes))
        rep_uars.append(np.mean(fold_uars))
        print(f"repetition {rep + 1}: UAR {100 * rep_uars[-1]:.2f}", flush=True)
    seconds = time.time() - start
    print(f"ser_real_loso_uar_mean_pytorch {100 * np.mean(rep_uars):.2f}")
    print(f"ser_real_loso_uar_std_pytorch {100 * np.std(rep_uars):.2f}")
    print(f"ser_real_loso_seconds_pytorch {seconds:.1f}")


if __name__ == "__main__":
    main()
