"""Run every ``benchmarks/bench_*.py`` in turn (``make bench``), each in its own process.

Separate processes keep one benchmark's JIT caches, threads and memory from skewing the next.
Pass names to run a subset: ``python -m benchmarks render house``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    scripts = sorted(here.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.stem for a in argv)]
        if not scripts:
            print(f"no benchmark matches {argv}; have: {[s.stem for s in sorted(here.glob('bench_*.py'))]}")
            return 2
    failed = []
    for script in scripts:
        print(f"=== {script.stem}", flush=True)
        if subprocess.call([sys.executable, str(script)], cwd=here.parent) != 0:
            failed.append(script.stem)
    if failed:
        print(f"failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
