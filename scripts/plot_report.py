#!/usr/bin/python3
"""Figures for report.md from RUNDIR/results.h5 (called by `emoaug report`).

fig2_feature_stats.png: per-feature mean ± std of source, synthetic and target after min-max
scaling (the paper's Fig. 2), averaged over emotions and GAN groups, one panel per λcls.
fig3_confusion.png: averaged confusion matrices per setting (the paper's Fig. 3).
uar_vs_lambda.png: UAR against λcls per setting and protocol.
Prints the markdown that embeds them. Needs python3-matplotlib and python3-h5py.
"""
import itertools
import os
import socket
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


_temporaries = itertools.count()


def save_figure(fig, path):
    """Writes fig to path as emoaug writes every file: a temporary name, fsync, rename, then the
    folder fsynced, so that a killed or failed run leaves the previous figure or none, never half
    of one."""
    folder = os.path.dirname(path) or "."
    # Named as core/atomic_file.cpp names its temporaries (".<file>.<host>-<pid>.<n>.tmp"): two
    # processes drawing into one run directory at once keep off each other's file, and a rerun
    # knows a dead writer's leftovers for its own.
    tmp = os.path.join(folder, ".%s.%s-%d.%d.tmp" % (os.path.basename(path), socket.gethostname(),
                                                     os.getpid(), next(_temporaries)))
    try:
        with open(tmp, "wb") as f:
            fig.savefig(f, format="png", dpi=110)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.isfile(tmp):
            os.remove(tmp)
        raise
    finally:
        plt.close(fig)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main(run_dir):
    out = []
    with h5py.File(os.path.join(run_dir, "results.h5"), "r") as f:
        classes = [text(c) for c in f["class_names"][...]]
        s = f["summary"]
        protocol = [text(p) for p in s["protocol"][...]]
        setting = [text(p) for p in s["setting"][...]]
        lam = s["lambda_cls"][...]
        mean, std = s["uar_mean"][...], s["uar_std"][...]
        conf = s["confusion"][...]

        # Fig. 2 equivalent.
        if "gan" in f and len(f["gan"]):
            groups = {}
            for lname, lgroup in f["gan"].items():
                for _, fold in lgroup.items():
                    for _, emo in fold.items():
                        st = emo["stats"]
                        if len(st["features"]) == 0:
                            continue
                        groups.setdefault(lname, []).append(st)
            if groups:
                fig, axes = plt.subplots(len(groups), 1, figsize=(10, 3.2 * len(groups)), squeeze=False)
                for ax, (lname, stats) in zip(axes[:, 0], sorted(groups.items())):
                    names = [text(n) for n in stats[0]["features"][...]]
                    x = np.arange(len(names))
                    for k, (key, label, color) in enumerate(
                            [("source", "source", "gray"), ("synthetic", "synthetic", "tab:blue"),
                             ("target", "target", "tab:red")]):
                        m = np.mean([st[key + "_mean"][...] for st in stats], axis=0)
                        sd = np.mean([st[key + "_std"][...] for st in stats], axis=0)
                        ax.errorbar(x + (k - 1) * 0.2, m, yerr=sd, fmt="o", color=color, label=label, capsize=2)
                    ax.set_xticks(x)
                    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
                    ax.set_title(lname.replace("lcls", "λcls"))
                    ax.set_ylabel("min-max scaled")
                    ax.legend(fontsize=7)
                fig.tight_layout()
                save_figure(fig, os.path.join(run_dir, "fig2_feature_stats.png"))
                out.append("![Fig. 2: feature statistics](fig2_feature_stats.png)")

    # Fig. 3 equivalent.
    n = len(setting)
    c = len(classes)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.4 * rows), squeeze=False)
    for i in range(rows * cols):
        ax = axes[i // cols][i % cols]
        if i >= n:
            ax.axis("off")
            continue
        m = conf[i].reshape(c, c)
        ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
        for a in range(c):
            for b in range(c):
                ax.text(b, a, f"{m[a, b]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if m[a, b] > 0.5 else "black")
        ax.set_xticks(range(c))
        ax.set_yticks(range(c))
        ax.set_xticklabels(classes, fontsize=7)
        ax.set_yticklabels(classes, fontsize=7)
        title = f"{protocol[i]}, {setting[i]}"
        if setting[i] != "real":
            title += f", λcls={lam[i]:g}"
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    save_figure(fig, os.path.join(run_dir, "fig3_confusion.png"))
    out.append("![Fig. 3: confusion matrices](fig3_confusion.png)")

    if all(st == "real" for st in setting):
        print("\n\n".join(out))
        return
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for p in sorted(set(protocol)):
        for st in ("syn", "real+syn"):
            idx = [i for i in range(n) if protocol[i] == p and setting[i] == st]
            if idx:
                idx.sort(key=lambda i: lam[i])
                ax.errorbar([lam[i] for i in idx], [mean[i] for i in idx], yerr=[std[i] for i in idx],
                            marker="o", capsize=3, label=f"{p} {st}")
        real = [i for i in range(n) if protocol[i] == p and setting[i] == "real"]
        if real:
            ax.axhline(mean[real[0]], linestyle="--", linewidth=1, label=f"{p} real")
    ax.set_xlabel("λcls")
    ax.set_ylabel("UAR (%)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, os.path.join(run_dir, "uar_vs_lambda.png"))
    out.append("![UAR against λcls](uar_vs_lambda.png)")
    print("\n\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_report.py RUNDIR")
    main(sys.argv[1])
