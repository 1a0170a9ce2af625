"""Wall time per optimizer step: torch.optim.Adam vs HyperAdam (stack heights 2 and 3).

One step = zero_grad + forward + loss.backward() + opt.step() on a fixed batch, so the figure is what
a training loop pays; the overhead column is HyperAdam's extra time over Adam's. Two model sizes:
the digits MLP of the reproduction (64-128-10) and a wider one (784-512-512-10).
Run: ``python benchmarks/bench_hypergrad.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import time

import torch
from embodied_gym.agents.hypergrad import HyperAdam, make_stack


def time_steps(make_opt, sizes, batch, steps=200, repeats=3) -> float:
    torch.manual_seed(0)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = make_opt(model.parameters())
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        lossf(model(x), y).backward()
        opt.step()

    for _ in range(20):
        step()
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best.append((time.perf_counter() - t0) / steps)
    return min(best)


def main() -> None:
    torch.set_num_threads(1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, 1 thread, load average {load:.2f}")
    configs = {
        "Adam": lambda p: torch.optim.Adam(p, lr=1e-3),
        "HyperAdam h=1 (fixed)": lambda p: HyperAdam(p, lr=1e-3, hyper=None),
        "HyperAdam h=2 (Adam)": lambda p: HyperAdam(p, lr=1e-3, hyper=make_stack(["adam"], [1e-2])),
        "HyperAdam h=3 (Adam/SGD)": lambda p: HyperAdam(p, lr=1e-3, hyper=make_stack(["adam", "sgd"], [1e-2, 1e-4])),
    }
    for sizes, batch in (((64, 128, 10), 32), ((784, 512, 512, 10), 128)):
        print(f"\nMLP {'-'.join(map(str, sizes))}, batch {batch}")
        base = None
        for name, make in configs.items():
            ms = 1e3 * time_steps(make, sizes, batch, steps=200 if sizes[0] == 64 else 50)
            base = ms if base is None else base
            print(f"  {name:26s} {ms:8.3f} ms/step   x{ms / base:5.2f}   overhead {ms - base:+.3f} ms")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
