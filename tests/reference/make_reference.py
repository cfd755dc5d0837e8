#!/usr/bin/python3
"""Writes tests/reference/reference.h5: a PyTorch run that test_reference.cpp must reproduce.

In the style of llm.c's test_gpt2: fixed weights, a forward pass, the three losses the method uses
(BCE against the smoothed 0.9 target, MSE, softmax cross-entropy), every gradient, and 10 Adam steps
with their losses. Networks are the paper's shapes, narrowed so the fixture stays a few kB:
  classifier C: 12-16-10-4, generator G: 12-16-8-16-12, discriminator D: 12-16-16-1.
Leaky ReLU 0.2 on hidden layers, linear outputs, no dropout (dropout masks come from emoaug's own
Philox streams and are tested separately). Parameters are stored flat in emoaug's layout: for each
layer W [out, in] row-major, then b [out].

Run with Debian's python3-torch and python3-h5py: /usr/bin/python3 tests/reference/make_reference.py
"""
import os

import h5py
import numpy as np
import torch

torch.manual_seed(1234)
torch.set_num_threads(1)
D_FEAT, BATCH, CLASSES = 12, 8, 4


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.uniform_(lin.bias, -0.1, 0.1)  # non-zero so bias paths are exercised
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(torch.nn.LeakyReLU(0.2))
    return torch.nn.Sequential(*layers)


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).numpy().astype(np.float32)


def params(net):
    return flat([p for p in net.parameters()])  # Linear: weight [out,in] then bias, layer by layer


def grads(net):
    return flat([p.grad for p in net.parameters()])


C = mlp([D_FEAT, 16, 10, CLASSES])
G = mlp([D_FEAT, 16, 8, 16, D_FEAT])
Dn = mlp([D_FEAT, 16, 16, 1])
x = torch.randn(BATCH, D_FEAT)
s = torch.rand(BATCH, D_FEAT)
t = torch.rand(BATCH, D_FEAT)
y = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0])
out = {"x": x.numpy(), "s": s.numpy(), "t": t.numpy(), "labels": y.numpy().astype(np.int32),
       "C/params": params(C), "G/params": params(G), "D/params": params(Dn)}

# Cross-entropy of the classifier, mean over the batch.
xr = x.clone().requires_grad_(True)
logits = C(xr)
ce = torch.nn.functional.cross_entropy(logits, y)
ce.backward()
out.update({"C/logits": logits.detach().numpy(), "C/loss": np.float32(ce.item()),
            "C/grads": grads(C), "C/dx": xr.grad.numpy()})

# Generator loss: BCE of D(G(s)) against the smoothed real target 0.9 plus 5 x MSE(G(s), t).
fake = G(s)
d_fake = Dn(fake)
bce = torch.nn.functional.binary_cross_entropy_with_logits(d_fake, torch.full_like(d_fake, 0.9))
mse = torch.nn.functional.mse_loss(fake, t)
(bce + 5.0 * mse).backward()
out.update({"G/fake": fake.detach().numpy(), "D/logits_fake": d_fake.detach().numpy(),
            "G/bce": np.float32(bce.item()), "G/mse": np.float32(mse.item()),
            "G/grads": grads(G), "D/grads_through_G": grads(Dn)})

# Discriminator loss: real toward 0.9, fake (detached) toward 0, averaged.
Dn.zero_grad()
d_real = Dn(t)
d_fake = Dn(fake.detach())
d_loss = 0.5 * (torch.nn.functional.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, 0.9))
                + torch.nn.functional.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
d_loss.backward()
out.update({"D/loss": np.float32(d_loss.item()), "D/grads": grads(Dn)})

# Ten Adam steps of the classifier (PyTorch's Adam: betas 0.9/0.999, eps 1e-8).
C2 = mlp([D_FEAT, 16, 10, CLASSES])
with torch.no_grad():
    for p, q in zip(C2.parameters(), C.parameters()):
        p.copy_(q)
opt = torch.optim.Adam(C2.parameters(), lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
losses = []
for step in range(10):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(C2(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
out.update({"adam/losses": np.array(losses, dtype=np.float32), "adam/params": params(C2)})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.h5")
with h5py.File(path, "w") as f:
    f.attrs["torch_version"] = str(torch.__version__).encode()
    for key, value in out.items():
        f.create_dataset(key, data=np.asarray(value))
print("wrote", path)
