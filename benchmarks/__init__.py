"""Benchmark scripts. Each ``bench_*.py`` prints its figures; ``python -m benchmarks`` runs them all."""
