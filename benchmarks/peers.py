"""Peer simulators measured beside ours in the same benchmark run (each in its own process)."""

from __future__ import annotations

import subprocess
import sys


def miniworld_steps_per_second(env_id: str, seconds: float, warmup_steps: int = 50) -> str:
    """Random-action steps/s of a Miniworld env (OpenGL through pyglet's headless EGL), as a table cell.

    Runs in a subprocess so Miniworld's GL context and imports cannot disturb the caller's timings.
    """
    code = (
        "import pyglet; pyglet.options['headless'] = True\n"
        "import time, gymnasium as gym, miniworld\n"
        f"env = gym.make({env_id!r}); env.reset(seed=0); env.action_space.seed(0)\n"
        f"for _ in range({warmup_steps}):\n"
        "    _, _, te, tr, _ = env.step(env.action_space.sample())\n"
        "    if te or tr: env.reset()\n"
        "n, t0 = 0, time.perf_counter()\n"
        f"while time.perf_counter() - t0 < {seconds}:\n"
        "    _, _, te, tr, _ = env.step(env.action_space.sample()); n += 1\n"
        "    if te or tr: env.reset()\n"
        "print(n / (time.perf_counter() - t0))\n"
    )
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
        if res.returncode != 0:
            return f"unavailable ({res.stderr.strip().splitlines()[-1][:120]})"
        return f"{float(res.stdout.strip().splitlines()[-1]):,.0f} steps/s (60x80 RGB, one env, headless EGL)"
    except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return f"unavailable ({exc})"
