#!/usr/bin/env python3
"""The lessons' exact example through the convtool binary, compared with torch.

usage: lessons_example.py BINARY

    top_edge, left_edge, diag1, diag2 = ...            # 3x3 each
    edge_kernels = torch.stack([top_edge, left_edge, diag1, diag2])   # (4, 3, 3)
    F.conv2d(xb, edge_kernels.unsqueeze(1))            # xb (64, 1, 28, 28) -> (64, 4, 26, 26)

The weight goes in three ways: a (4, 1, 3, 3) .npy, the pasted text of
`edge_kernels.unsqueeze(1).tolist()`, and torch's printed `tensor([[[[...`; each
with --torch must give torch's (64, 4, 26, 26). The pasted `edge_kernels.tolist()`
(rank 3) is a bank of 4 kernels: four outputs, each torch's channel k.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

top_edge = torch.tensor([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]).float()
left_edge = torch.tensor([[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]]).float()
diag1 = torch.tensor([[0, -1, 1], [-1, 1, 0], [1, 0, 0]]).float()
diag2 = torch.tensor([[1, -1, 0], [0, 1, -1], [0, 0, 1]]).float()


def run(binary, tmp, *args):
    r = subprocess.run([binary, "apply", *args], cwd=tmp, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("convtool apply %s: exit %d: %s" % (args, r.returncode, r.stderr))
    return r


def main():
    binary = os.path.abspath(sys.argv[1])
    edge_kernels = torch.stack([top_edge, left_edge, diag1, diag2])
    assert edge_kernels.shape == (4, 3, 3)
    rng = np.random.default_rng(28)
    xb = torch.from_numpy(rng.random((64, 1, 28, 28), dtype=np.float32))
    want = F.conv2d(xb, edge_kernels.unsqueeze(1)).numpy()
    assert want.shape == (64, 4, 26, 26)
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "xb.npy"), xb.numpy())
        np.save(os.path.join(tmp, "edge_kernels.npy"), edge_kernels.unsqueeze(1).numpy())
        weights = {
            "npy": "edge_kernels.npy",
            "tolist": repr(edge_kernels.unsqueeze(1).tolist()),
            "printed": repr(edge_kernels.unsqueeze(1)),
        }
        for how, spec in weights.items():
            run(binary, tmp, "--torch", "-k", spec, "xb.npy", "out.npy")
            got = np.load(os.path.join(tmp, "out.npy"))
            if got.shape != want.shape or not np.allclose(got, want, atol=1e-5):
                fails += 1
                print("FAIL weight as %s: shape %s, torch %s" % (how, got.shape, want.shape))
        # rank 3: a bank of four depthwise kernels, one output each
        run(binary, tmp, "--torch", "-k", repr(edge_kernels.tolist()), "xb.npy", "bank.npy")
        for k in range(4):
            got = np.load(os.path.join(tmp, "bank-k%d.npy" % (k + 1)))
            if got.shape != (64, 1, 26, 26) or not np.allclose(got[:, 0], want[:, k], atol=1e-5):
                fails += 1
                print("FAIL bank kernel %d: shape %s" % (k + 1, got.shape))
    print("lessons example: weight as .npy, tolist and printed tensor, and the rank-3 bank: "
          "%d failure(s)" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
