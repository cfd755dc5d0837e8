#!/usr/bin/python3
"""Figures for report.md from RUNDIR/results.h5 (called by `emoaug report`).

fig2_feature_stats.png: per-feature mean ± std of source, synthetic and target after min-max
scaling (the paper's Fig. 2), averaged over emotions and GAN groups, one panel per λcls.
fig3_confusion.png: averaged confusion matrices per setting (the paper's Fig. 3).
uar_vs_lambda.png: UAR against λcls per setting and protocol.
training_curves.png: the CycleGANs' losses and C's accuracy per epoch, from the GAN task files
named with --curves (emoaug passes the finished ones).
With --partial DONE TOTAL (a run still in progress, no results.h5 yet) only the training curves are
drawn, marked as partial.
Prints the markdown that embeds them. Needs python3-matplotlib and python3-h5py.
"""
import argparse
import itertools
import os
import socket
import warnings

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
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


def results_figures(run_dir, out):
    """Figs. 2 and 3 and UAR against λcls, from results.h5."""
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
            # gan/<swept values, lcls=λ>/<fold=k|all>/<class>/stats: one panel per GAN part.
            groups = {}

            def collect(name, obj):
                if name.endswith("/stats") and len(obj["features"]) > 0:
                    parts = name.split("/")
                    groups.setdefault("/".join(parts[:-3]), []).append(obj)

            f["gan"].visititems(collect)
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
                    ax.set_title(lname.replace("lcls", "λcls").replace("/", ", "))
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
        title = f"{protocol[i]}, {setting[i]}"
        if setting[i] != "real":
            title += f", λcls={lam[i]:g}"
        matrix_panel(ax, conf[i].reshape(c, c), classes, title)
    fig.tight_layout()
    save_figure(fig, os.path.join(run_dir, "fig3_confusion.png"))
    out.append("![Fig. 3: confusion matrices](fig3_confusion.png)")

    probe_figure(run_dir, classes, conf, out)
    if all(st == "real" for st in setting):
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
    study_figure(run_dir, out)


def matrix_panel(ax, m, classes, title):
    c = len(classes)
    ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
    for a in range(c):
        for b in range(c):
            ax.text(b, a, f"{m[a, b]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if m[a, b] > 0.5 else "black")
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xticklabels(classes, fontsize=7)
    ax.set_yticklabels(classes, fontsize=7)
    ax.set_title(title, fontsize=8)


def probe_figure(run_dir, classes, conf, out):
    """probe.png: per GAN part, the probe's agreement matrix (rows: synthetic emotion, columns: the
    probe's label) next to the confusion matrix of the within-corpus syn classifiers trained on it."""
    with h5py.File(os.path.join(run_dir, "results.h5"), "r") as f:
        if "probe" not in f:
            return
        g = f["probe"]
        parts = [text(p) for p in g["parts"][...]]
        shares = g["shares"][...]
        syn_row = g["syn_row"][...]
    c = len(classes)
    fig, axes = plt.subplots(len(parts), 2, figsize=(7.4, 3.4 * len(parts)), squeeze=False)
    for k, part in enumerate(parts):
        name = readable_part(part) if part else "the run"
        matrix_panel(axes[k][0], shares[k * c:(k + 1) * c], classes,
                     f"probe on the synthetic sets, {name}\n(rows: set, columns: probe's label)")
        if syn_row[k] >= 0:
            matrix_panel(axes[k][1], conf[syn_row[k]].reshape(c, c), classes,
                         f"within, syn classifiers, {name}\n(rows: true, columns: predicted)")
        else:
            axes[k][1].axis("off")
    fig.tight_layout()
    save_figure(fig, os.path.join(run_dir, "probe.png"))
    out.append("![The probe's agreement matrices beside the syn classifiers' confusion](probe.png)")


SETTINGS = ("real", "syn", "real+syn")
PROTOCOLS = ("within", "cross")


def study_figure(run_dir, out):
    """UAR against each swept key of a study with keys besides λcls, the other axes at the
    reference point's values (results.h5's /study)."""
    with h5py.File(os.path.join(run_dir, "results.h5"), "r") as f:
        if "study" not in f:
            return
        st = f["study"]
        axes_keys = [text(k) for k in st["axes"][...]]
        if len(axes_keys) < 2:
            return  # λcls alone: uar_vs_lambda.png
        values = [text(v) for v in st["point_values"][...]]
        rows = st["rows"][...]
        reference = int(st.attrs["reference"])
        mean, std = f["summary"]["uar_mean"][...], f["summary"]["uar_std"][...]
    n_axes = len(axes_keys)
    points = len(values) // n_axes
    point_values = [values[p * n_axes:(p + 1) * n_axes] for p in range(points)]
    swept = [a for a in range(n_axes) if len({pv[a] for pv in point_values}) > 1]
    if not swept:
        return
    fig, axs = plt.subplots(1, len(swept), figsize=(4.6 * len(swept), 3.6), squeeze=False)
    ref = point_values[reference]
    for ax, a in zip(axs[0], swept):
        # The points that differ from the reference in this axis alone, in the study's order.
        line = [p for p in range(points)
                if all(point_values[p][b] == ref[b] for b in range(n_axes) if b != a)]
        labels = [point_values[p][a] for p in line]
        x = np.arange(len(line))
        for pi, protocol in enumerate(PROTOCOLS):
            for si, setting in enumerate(SETTINGS):
                idx = [rows[(p * 2 + pi) * 3 + si] for p in line]
                if any(i < 0 for i in idx):
                    continue
                ax.errorbar(x, [mean[i] for i in idx], yerr=[std[i] for i in idx], marker="o",
                            capsize=3, linestyle="--" if setting == "real" else "-",
                            label=f"{protocol} {setting}")
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_xlabel(axes_keys[a])
        ax.set_ylabel("UAR (%)")
        ax.legend(fontsize=6)
    fig.suptitle("Other axes at the reference point's values", fontsize=8)
    fig.tight_layout()
    save_figure(fig, os.path.join(run_dir, "study.png"))
    out.append("![UAR against each swept key](study.png)")


# The rows of the training-curve figure: a loss history column (stage_gan.cpp's loss_columns) and
# its label. The cycle row draws the pretraining cycle loss over the pretraining epochs and the
# adversarial one after them: one curve across both phases. The other terms exist in the
# adversarial phase only; C's two only where λcls > 0 gives the group a classifier.
CURVE_ROWS = [
    ("cycle", "cycle loss (MSE)"),
    ("discriminator", "discriminator loss (BCE)"),
    ("adversarial", "generator loss (BCE)"),
    ("classification", "classifier loss (CE)"),
    ("accuracy", "classifier accuracy\non G(source)"),
]
CLASSIFIER_ROWS = ("classification", "accuracy")
# The probe's agreement with the emotion's set (experiment/probe.h) at the epochs it looked, where
# the task files have it.
PROBE_ROW = ("probe", "probe agreement\n(real-trained)")


def read_history(path):
    """One GAN task file's loss history: λcls, fold (-1: all of the target), emotion index and
    class name, pretraining epochs, and the columns by name."""
    with h5py.File(path, "r") as f:
        names = [text(n) for n in f["loss_columns"][...]]
        values = f["losses"][...]
        a = f.attrs
        emotion = int(a["emotion"])
        # The probe's agreement with this emotion's set at its epochs (stats/probe_history: epoch,
        # then the shares of each label), when the file has it.
        probe = None
        if "stats" in f and "probe_history" in f["stats"]:
            ph = f["stats"]["probe_history"][...]
            if len(ph):
                probe = (ph[:, 0].astype(float), ph[:, 1 + emotion].astype(float))
        # The GAN part: the task's path without "gan/" and its fold ("gan.epochs=20/lcls=2").
        part = "/".join(text(a["task"]).split("/")[1:-1])
        return {"lambda": float(a["lambda_cls"]), "fold": int(a["fold"]), "emotion": emotion,
                "class": text(a["class_name"]), "pretrain": int(a["pretrain_epochs"]),
                "part": part, "probe": probe,
                "columns": {n: values[:, k].astype(float) for k, n in enumerate(names)}}


def readable_part(part):
    """"gan.epochs=20/lcls=2" -> "gan.epochs=20, λcls=2" (experiment::readable_path)."""
    return ", ".join("λcls=" + seg[5:] if seg.startswith("lcls=") else seg for seg in part.split("/"))


def curve(columns, key):
    adversarial = columns["adversarial_phase"] > 0.5
    if key == "cycle":
        return np.where(adversarial, columns["cycle"], columns["pretrain_cycle"])
    return np.where(adversarial, columns[key], np.nan)


def training_curves(run_dir, files, partial, out):
    """training_curves.png: per emotion (columns) and loss term (rows), one curve per λcls — the
    median over the leave-one-group-out folds' CycleGANs with their min–max as a band."""
    histories = [read_history(p) for p in files]
    # The folds' groups make the spread; the group trained on all of the target (cross-corpus)
    # stands alone when there are no folds (gan.per_fold = false).
    folds = [h for h in histories if h["fold"] >= 0] or histories
    fold_count = len({h["fold"] for h in folds if h["fold"] >= 0})
    spread_text = ("%d folds' CycleGANs" % fold_count if fold_count > 1 else
                   "1 fold's CycleGANs" if fold_count else "CycleGANs trained on all of the target")
    left_out = (" (the groups trained on all of the target, for the cross-corpus test, are left out)"
                if len(folds) < len(histories) else "")
    emotions = [c for _, c in sorted({(h["emotion"], h["class"]) for h in folds})]
    lambdas = sorted({h["lambda"] for h in folds})
    # One line per GAN part of the study (λcls and any other swept gan key), in λcls order.
    parts = sorted({(h["lambda"], h["part"]) for h in folds})
    pretrain = max(h["pretrain"] for h in folds)
    rows = [r for r in CURVE_ROWS if r[0] not in CLASSIFIER_ROWS or any(l > 0 for l in lambdas)]
    if any(h["probe"] is not None for h in folds):
        rows.append(PROBE_ROW)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    fig, axes = plt.subplots(len(rows), len(emotions), figsize=(3.3 * len(emotions) + 0.6, 2.3 * len(rows) + 0.9),
                             squeeze=False, sharex=True)
    for j, emotion in enumerate(emotions):
        for i, (key, label) in enumerate(rows):
            ax = axes[i][j]
            if pretrain > 0:
                ax.axvspan(0.5, pretrain + 0.5, color="0.9", lw=0)
                ax.axvline(pretrain + 0.5, color="0.5", lw=0.8, ls="--")
            for k, (lam, part) in enumerate(parts):
                if key in CLASSIFIER_ROWS and lam <= 0:
                    continue
                color = colors[k % len(colors)]
                if key == PROBE_ROW[0]:
                    probes = [h["probe"] for h in folds
                              if h["part"] == part and h["class"] == emotion and h["probe"] is not None]
                    if probes:
                        n = min(len(p[0]) for p in probes)
                        ys = np.array([p[1][:n] for p in probes])
                        ax.fill_between(probes[0][0][:n], ys.min(axis=0), ys.max(axis=0), color=color,
                                        alpha=0.25, lw=0)
                        ax.plot(probes[0][0][:n], np.median(ys, axis=0), color=color, lw=1.2, marker="o",
                                ms=3)
                        ax.set_ylim(-0.03, 1.03)
                    continue
                runs = [h["columns"] for h in folds if h["part"] == part and h["class"] == emotion]
                if not runs:
                    continue
                length = min(len(r["epoch"]) for r in runs)
                ys = np.array([curve(r, key)[:length] for r in runs])
                x = runs[0]["epoch"][:length] + 1
                # Columns all NaN (an adversarial term's pretraining epochs) stay blank, silently.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=RuntimeWarning)
                    median = np.nanmedian(ys, axis=0)
                    low, high = np.nanmin(ys, axis=0), np.nanmax(ys, axis=0)
                ax.fill_between(x, low, high, color=color, alpha=0.25, lw=0)
                spread = "%d folds" % len(runs) if len(runs) > 1 else (
                    "all of the target" if folds[0]["fold"] < 0 else "1 fold")
                ax.plot(x, median, color=color, lw=1.2, label="%s (%s)" % (readable_part(part), spread))
            if key == "cycle":
                # Pretraining starts it an order of magnitude above where training ends.
                ax.set_yscale("log")
                for axis_formatter in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
                    axis_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
                ax.tick_params(which="minor", labelsize=6)
            if key == "accuracy":
                ax.set_ylim(-0.03, 1.03)
            if i == 0:
                ax.set_title(emotion)
            if i == len(rows) - 1:
                ax.set_xlabel("epoch")
            if j == 0:
                ax.set_ylabel(label if key == "accuracy" else label.replace(" (", "\n("))
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if pretrain > 0:
        handles.append(matplotlib.patches.Patch(color="0.9"))
        labels.append("pretraining (%d epochs)" % pretrain)
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.97))
    title = "CycleGAN training: median over folds, band min–max"
    if partial:
        title = "PARTIAL (run in progress: %d of %d GAN groups finished) — " % partial + title
    fig.suptitle(title, fontsize=10, color="tab:red" if partial else "black", y=0.995)
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    save_figure(fig, os.path.join(run_dir, "training_curves.png"))
    caption = ("Training curves: the CycleGANs' losses per epoch (each epoch's mean over its "
               "iterations), per emotion (columns) and loss term (rows); per λcls (and other swept "
               "gan key) the median over the %s, with their min–max as a band%s. The grey span is "
               "pretraining, where only the cycle loss is trained. C's loss and its accuracy on the "
               "generated batches exist where λcls > 0." % (spread_text, left_out))
    if PROBE_ROW in rows:
        caption += (" The last row: the share of the emotion's generated set (a fixed subsample of "
                    "the source) that the probe, a linear classifier trained on the group's real "
                    "training rows, labels as that emotion, at the epochs it looked (gan.probe_every).")
    if partial:
        caption = ("**Partial:** %d of %d GAN groups have finished; the curves are theirs. " % partial
                   + caption)
    out.append("![Training curves%s](training_curves.png)\n\n%s" % (" (partial)" if partial else "", caption))


def main():
    parser = argparse.ArgumentParser(description="Figures for report.md")
    parser.add_argument("run_dir")
    parser.add_argument("--partial", nargs=2, type=int, metavar=("DONE", "TOTAL"),
                        help="a run in progress: DONE of TOTAL GAN groups finished; no results.h5")
    parser.add_argument("--curves", nargs="*", default=[], metavar="TASKFILE",
                        help="GAN task files (tasks/gan/.../emotion<e>.h5) to draw the training curves of")
    args = parser.parse_args()
    partial = tuple(args.partial) if args.partial else None
    out = []
    if not partial:
        results_figures(args.run_dir, out)
    if args.curves:
        training_curves(args.run_dir, args.curves, partial, out)
    elif partial:
        out.append("No GAN group has finished yet: no training curves to draw.")
    print("\n\n".join(out))


if __name__ == "__main__":
    main()
