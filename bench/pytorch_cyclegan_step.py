#!/usr/bin/python3
"""The paper's CycleGAN iteration in PyTorch eager: the peer of bench/bench_cuda_step.cpp.

4 emotions, d = 1582; per emotion G and F (1582-1000-500-1000-1582), D_T and D_S (1582-1000-1000-1),
one shared classifier C (1582-100-100-4); leaky ReLU 0.2, dropout 0.2 (C 0.5), Adam (0.9, 0.999),
batch 64. One iteration, as emoaug's EmotionTransferGroup::train_epoch runs it: for every emotion one
discriminator step (BCE, real target 0.9, fake 0, halved), then twice: for every emotion a generator
step (adversarial BCE toward 0.9 in both directions + 5 x cycle MSE + lambda_cls/N x CE(C(G(s)), e))
with C's gradient accumulated over the emotions, then C's update. Discriminator parameters take no
gradient in the generator step (emoaug skips them too), and every loss is read back to the host as
emoaug does for its logs.

Prints `name value` lines, among them `cyclegan_it_per_s_pytorch X`.
  /usr/bin/python3 bench/pytorch_cyclegan_step.py [--threads N] [--iterations N] [--device cpu|cuda]
"""
import argparse
import time

import torch
import torch.nn.functional as fn

D, EMOTIONS, BATCH = 1582, 4, 64
LAMBDA_CYC, REAL = 5.0, 0.9


def mlp(sizes, dropout):
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers += [torch.nn.LeakyReLU(0.2), torch.nn.Dropout(dropout)]
    return torch.nn.Sequential(*layers)


def adam(net, lr):
    return torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)


class CycleGan:
    def __init__(self, device, lr):
        gen, disc = [D, 1000, 500, 1000, D], [D, 1000, 1000, 1]
        self.G, self.F = mlp(gen, 0.2).to(device), mlp(gen, 0.2).to(device)
        self.DT, self.DS = mlp(disc, 0.2).to(device), mlp(disc, 0.2).to(device)
        self.opt = {name: adam(getattr(self, name), lr) for name in ("G", "F", "DT", "DS")}


def bce(logits, target):
    return fn.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def discriminator_step(gan, s, t):
    with torch.no_grad():  # emoaug runs G and F forward only, with dropout
        fake_t, fake_s = gan.G(s), gan.F(t)
    loss_t = 0.5 * (bce(gan.DT(t), REAL) + bce(gan.DT(fake_t), 0.0))
    loss_s = 0.5 * (bce(gan.DS(s), REAL) + bce(gan.DS(fake_s), 0.0))
    gan.opt["DT"].zero_grad(set_to_none=False)
    gan.opt["DS"].zero_grad(set_to_none=False)
    (loss_t + loss_s).backward()
    gan.opt["DT"].step()
    gan.opt["DS"].step()
    return [loss_t, loss_s]


def generator_step(gan, C, s, t, emotion, cls_weight):
    labels = torch.full((s.shape[0],), emotion, dtype=torch.long, device=s.device)
    set_requires_grad([gan.DT, gan.DS], False)
    fake_t, fake_s = gan.G(s), gan.F(t)
    cyc_s, cyc_t = gan.F(fake_t), gan.G(fake_s)
    adv = bce(gan.DT(fake_t), REAL) + bce(gan.DS(fake_s), REAL)
    cyc = fn.mse_loss(cyc_s, s) + fn.mse_loss(cyc_t, t)
    logits = C(fake_t)
    cls = fn.cross_entropy(logits, labels)
    accuracy = (logits.argmax(dim=1) == labels).float().mean()
    gan.opt["G"].zero_grad(set_to_none=False)
    gan.opt["F"].zero_grad(set_to_none=False)
    (adv + LAMBDA_CYC * cyc + cls_weight * cls).backward()  # C's gradient accumulates
    gan.opt["G"].step()
    gan.opt["F"].step()
    set_requires_grad([gan.DT, gan.DS], True)
    return [adv, cyc, cls, accuracy]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    ap.add_argument("--iterations", type=int, default=20, help="timed iterations")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tf32", action="store_true", help="TF32 matmuls (CUDA)")
    ap.add_argument("--lambda-cls", type=float, default=1.0)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    device = torch.device(args.device)
    torch.manual_seed(1)

    lr = 2e-4
    gans = [CycleGan(device, lr) for _ in range(EMOTIONS)]
    C = mlp([D, 100, 100, EMOTIONS], 0.5).to(device)
    opt_c = adam(C, lr)
    cls_weight = args.lambda_cls / EMOTIONS
    rows = BATCH * max(args.iterations, 1)
    source = torch.rand(rows, D, device=device)
    targets = [torch.rand(rows, D, device=device) for _ in range(EMOTIONS)]

    # Each emotion its own shuffle of S and of its target, drawn once per epoch as in emoaug; a
    # batch is a gather of 64 rows.
    orders = [(torch.randperm(rows, device=device), torch.randperm(rows, device=device))
              for _ in range(EMOTIONS)]

    def iteration(it):
        first = (it % max(args.iterations, 1)) * BATCH
        batches = []
        for e, (order_s, order_t) in enumerate(orders):
            batches.append((source[order_s[first:first + BATCH]],
                            targets[e][order_t[first:first + BATCH]]))
        logged = []
        for e, (s, t) in enumerate(batches):
            logged += discriminator_step(gans[e], s, t)
        for _ in range(2):
            opt_c.zero_grad(set_to_none=False)
            for e, (s, t) in enumerate(batches):
                logged += generator_step(gans[e], C, s, t, e, cls_weight)
            opt_c.step()
        return [x.item() for x in logged]  # emoaug reads every loss back for its logs

    for it in range(args.warmup):
        iteration(it)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for it in range(args.iterations):
        iteration(it)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    print(f"torch_version {torch.__version__}")
    print(f"device {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}")
    print(f"threads {torch.get_num_threads()}")
    print(f"tf32 {int(args.tf32)}")
    print(f"cyclegan_iterations {args.iterations}")
    print(f"cyclegan_ms_per_it_pytorch {seconds / args.iterations * 1e3:.3f}")
    print(f"cyclegan_it_per_s_pytorch {args.iterations / seconds:.3f}")
    # CPU seconds of all threads (user and system, spinning included) per iteration.
    print(f"cyclegan_cpu_s_per_it_pytorch {cpu_seconds / args.iterations:.3f}")


if __name__ == "__main__":
    main()
