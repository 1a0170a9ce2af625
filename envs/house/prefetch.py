"""Building procedural houses ahead of their episodes in one worker process.

Why: a new house (generate, voxelise, floor raster, the renderer's raster boxes) costs as much as a few
hundred env steps, all on the env's thread, while the machine's other core waits for the next renderer
call. A sub-env's RNG is drawn from only at resets, so the house its next switch will draw is known at
the end of the reset before it; :class:`HousePrefetcher` builds that house in a worker process during
the episode and hands the finished assets back. Assets are a pure function of (key, split, agent
radius), so a prefetched house is the very house a local build gives: episodes do not change, only
where the work runs. A house asked for while the worker is building it is waited for; one still queued
(the worker is behind, e.g. when many sub-envs switch at once) is built by the caller instead and
cancelled in the worker; a worker that dies leaves every build to the caller.

The worker is a plain ``python -c`` subprocess speaking length-prefixed frames over its stdin/stdout
(not ``multiprocessing``, whose spawn start re-imports the user's main script in the child).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import weakref
from collections import OrderedDict, deque

_KEY = struct.Struct("<q")  # requests: a key >= 0 builds it, -1 - key cancels it
_REPLY = struct.Struct("<cqq")  # b"S" key 0: started; b"D" key n: done, n bytes of pickle follow
WORKER_NICE = 5  # below the env's own threads: the worker mostly fills time a core would idle


def build_assets(key: int, split: str, radius: float):
    """The static assets of procedural house ``key`` (what :meth:`HouseSource.get` builds), with the
    renderer's raster boxes already built on the scene (a SceneBatch keeps them on the VoxelScene)."""
    import numpy as np
    from embodied_gym.procgen.house import generate_house

    from ..render.batch import SceneBatch
    from .navigation import build_floor_model
    from .render_scene import build_render_scene
    from .sim import HouseAssets

    house = generate_house(key, split=split)
    assets = HouseAssets(house, build_floor_model(house, radius=radius), build_render_scene(house))
    SceneBatch([assets.scene.voxels]).boxes_ready(np.zeros(1, np.int64))
    return assets


def _worker_main(split: str, radius: float) -> None:
    """Build the requested keys in order, skipping cancelled ones; exits when stdin closes."""
    try:
        os.nice(WORKER_NICE)
    except OSError:
        pass
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed while building goes to stderr, not into the reply stream
    fd = sys.stdin.fileno()
    queued: deque[int] = deque()
    cancelled: set[int] = set()
    buf = b""
    while True:
        ready, _, _ = select.select([fd], [], [], None if not queued else 0)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            buf += chunk
            n = len(buf) // _KEY.size * _KEY.size
            for (k,) in _KEY.iter_unpack(buf[:n]):
                if k >= 0:
                    queued.append(k)
                else:
                    cancelled.add(-1 - k)
            buf = buf[n:]
            continue
        key = queued.popleft()
        if key in cancelled:
            cancelled.discard(key)
            continue
        out.write(_REPLY.pack(b"S", key, 0))
        out.flush()
        try:
            result = build_assets(key, split, radius)
        except Exception as e:  # the env builds it again itself, and raises there
            result = e
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_REPLY.pack(b"D", key, len(payload)))
        out.write(payload)
        out.flush()


def _stop(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


class HousePrefetcher:
    """One worker process that builds the procedural houses it is asked for, in order.

    :meth:`request` queues a key; :meth:`take` returns that house's assets when the worker has built
    it or is building it (then it waits), else None: the caller builds it itself.
    """

    def __init__(self, split: str, radius: float, max_waiting: int = 64) -> None:
        self.max_waiting = max_waiting  # built houses kept for resets that have not asked yet
        env = dict(os.environ)
        env["NUMBA_NUM_THREADS"] = "1"
        code = f"from {__name__} import _worker_main; _worker_main({split!r}, {float(radius)!r})"
        self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env)
        self._ready: OrderedDict[int, bytes] = OrderedDict()
        self._requested: set[int] = set()
        self._building: int | None = None
        self._cond = threading.Condition()
        self._alive = True
        self._reader = threading.Thread(target=self._read_replies, name="house-prefetch", daemon=True)
        self._reader.start()
        self._finalizer = weakref.finalize(self, _stop, self._proc)

    def _read_replies(self) -> None:
        stream = self._proc.stdout
        while True:
            head = stream.read(_REPLY.size)
            kind = key = payload = None
            if head is not None and len(head) == _REPLY.size:
                kind, key, n = _REPLY.unpack(head)
                if kind == b"D":
                    payload = stream.read(n)
                    if payload is None or len(payload) != n:
                        kind = None
            with self._cond:
                if kind == b"S":
                    self._building = key
                elif kind == b"D":
                    self._building = None
                    if key in self._requested:
                        self._ready[key] = payload
                        while len(self._ready) > self.max_waiting:
                            old, _ = self._ready.popitem(last=False)
                            self._requested.discard(old)
                else:
                    self._alive = False
                self._cond.notify_all()
            if kind is None:
                return

    def _send(self, value: int) -> bool:
        try:
            self._proc.stdin.write(_KEY.pack(value))
            self._proc.stdin.flush()
            return True
        except (OSError, ValueError):
            with self._cond:
                self._alive = False
                self._cond.notify_all()
            return False

    def request(self, key: int) -> None:
        """Queue house ``key`` for building (no-op if already queued or the worker is gone)."""
        with self._cond:
            if not self._alive or key in self._requested:
                return
            self._requested.add(key)
        self._send(int(key))

    def take(self, key: int):
        """House ``key``'s assets if the worker built it or is building it (waits), else None."""
        with self._cond:
            if key not in self._requested:
                return None
            if key not in self._ready and key != self._building:  # still queued: the caller is faster
                self._requested.discard(key)
                cancel = self._alive
            else:
                cancel = False
                while key not in self._ready and self._alive:
                    self._cond.wait()
                self._requested.discard(key)
            payload = self._ready.pop(key, None)
        if cancel:
            self._send(-1 - int(key))
        if payload is None:
            return None
        result = pickle.loads(payload)
        return None if isinstance(result, BaseException) else result

    def close(self) -> None:
        self._finalizer()
