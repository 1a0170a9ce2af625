"""Env kwargs that can be written as plain JSON (in a suite file, a YAML training config, a checkpoint's
metadata) but stand for something built at run time.

The one form today: ``{"houses": {"generate": {"seeds": [...], "specs": [...]}}}`` becomes a list of
procedurally generated house dicts (house ``i`` from ``seeds[i]`` with room spec ``specs[i % len]``),
e.g. the *small houses* (one or two rooms) that the quick suite and the shipped ObjectNav policy use.
Generation is deterministic, so a suite stays a few lines of JSON and still pins every house bit for
bit; results are cached per process because a worker plays many episodes in the same houses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


class EnvKwargsError(ValueError):
    """A run-time env kwarg is malformed."""


@lru_cache(maxsize=16)
def _generated_houses(key: str) -> tuple[dict, ...]:
    from embodied_gym.procgen.house import generate_house

    spec = json.loads(key)
    seeds, specs = spec["seeds"], spec.get("specs") or [None]
    return tuple(generate_house(int(s), spec=specs[i % len(specs)]) for i, s in enumerate(seeds))


def resolve_env_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``kwargs`` with run-time forms replaced by what they stand for."""
    out = dict(kwargs)
    houses = out.get("houses")
    if isinstance(houses, Mapping):
        gen = houses.get("generate")
        if set(houses) != {"generate"} or not isinstance(gen, Mapping) or not gen.get("seeds"):
            raise EnvKwargsError(f"houses={dict(houses)!r}: the mapping form is "
                                 "{'generate': {'seeds': [...], 'specs': [room spec ids, optional]}}")
        unknown = set(gen) - {"seeds", "specs"}
        if unknown:
            raise EnvKwargsError(f"houses.generate has unknown keys {sorted(unknown)}; accepted: seeds, specs")
        out["houses"] = [dict(h) for h in _generated_houses(json.dumps(dict(gen), sort_keys=True))]
    return out
