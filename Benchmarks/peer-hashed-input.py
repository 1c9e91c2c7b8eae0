"""Runs the PyTorch peer (../shared/peer/nextitnet_torch.py) with a hashed input embedding, so that
MEmCom's accuracy can be checked against an implementation that shares no code with CompactRec.

    $PY Benchmarks/peer-hashed-input.py --input memcom --ratio 16 --lr 0.003 [the peer's own options]

--input full | hashing | memcom (METHODS section 4):
    hashing  e(x) = U[x mod m]
    memcom   e(x) = w[x] * U[x mod m], w initialised to 1
with the padding item 0 embedded as zeros, and m picked so that the input table is --ratio times
smaller than the full N x d table: m = floor(N d / ratio / d) for hashing, and
floor((N d / ratio - N) / d) for MEmCom, whose N weights come out of the same budget.
--lr replaces the peer's fixed Adam learning rate (0.001).

The peer's code is imported, not copied: this file swaps its model's input embedding and its
optimiser's learning rate, then runs its main(). It prints the peer's JSON line, then one more
line with the input embedding's kind, m and parameter count.
"""
import argparse
import importlib.util
import json
import os
import sys

import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
peer_path = os.environ.get("PEER", os.path.join(here, "..", "..", "shared", "peer", "nextitnet_torch.py"))
spec = importlib.util.spec_from_file_location("nextitnet_torch", peer_path)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)

ours = argparse.ArgumentParser(add_help=False)
ours.add_argument("--input", default="full", choices=["full", "hashing", "memcom"])
ours.add_argument("--ratio", type=float, default=16)
ours.add_argument("--lr", type=float, default=1e-3)
options, sys.argv[1:] = ours.parse_known_args()


class HashedEmbedding(nn.Module):
    """e(x) = U[x mod m] (hashing), or w[x] * U[x mod m] (MEmCom); x = 0 -> 0.  x: [B, T] -> [B, T, C]."""

    def __init__(self, n_items, d, m, weighted):
        super().__init__()
        self.m = m
        self.table = nn.Embedding(m, d)                                          # U: [m, C]
        self.w = nn.Parameter(torch.ones(n_items)) if weighted else None         # w: [N]

    def forward(self, x):
        e = self.table(x % self.m)
        if self.w is not None:
            e = e * self.w[x].unsqueeze(-1)
        return e * (x != 0).unsqueeze(-1).to(e.dtype)


built = {}


class ModulesWithHashedEmbedding:
    """torch.nn, but for Embedding, which builds the hashed table in its place (same random draws
    as a model written with the hashed table from the start)."""

    def __getattr__(self, name):
        return getattr(nn, name)

    @staticmethod
    def Embedding(n_items, d, padding_idx=None):
        if options.input == "full":
            return nn.Embedding(n_items, d, padding_idx=padding_idx)
        budget = n_items * d / options.ratio
        weighted = options.input == "memcom"
        m = int((budget - n_items) // d) if weighted else int(budget // d)
        built["buckets"] = m
        return HashedEmbedding(n_items, d, m, weighted)


class NextItNetWithHashedInput(peer.NextItNet):
    def __init__(self, n_items, d, *args, **kwargs):
        peer.nn = ModulesWithHashedEmbedding()
        try:
            super().__init__(n_items, d, *args, **kwargs)
        finally:
            peer.nn = nn
        built["input_params"] = sum(p.numel() for p in self.emb.parameters())
        built["input_ratio"] = n_items * d / built["input_params"]


peer.NextItNet = NextItNetWithHashedInput
adam = torch.optim.Adam
torch.optim.Adam = lambda params, lr=None, **kwargs: adam(params, lr=options.lr, **kwargs)

peer.main()
print(json.dumps({"input": options.input, "ratio": options.ratio, "lr": options.lr, **built}))
