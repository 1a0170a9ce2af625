"""AI2-THOR asset catalog: every asset id ProcTHOR knows, with its object type and bounding box.

Other parts (the renderer voxelising houses, the house env) read object sizes and types through
:func:`get_asset`; the data is loaded lazily on first call and cached.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from .house_catalog import raw_catalog

__all__ = ["AssetInfo", "UnknownAssetError", "get_asset", "all_assets", "assets_of_type", "object_types"]

_FLAG_PICKUPABLE = 1
_FLAG_MOVEABLE = 2
_FLAG_STATIC = 4
_FLAG_RECEPTACLE = 8
_FLAG_OPENABLE = 16
_FLAG_TOGGLEABLE = 32
_FLAG_BREAKABLE = 64


@dataclass(frozen=True)
class AssetInfo:
    """One AI2-THOR asset.

    ``size`` is the axis-aligned bounding box (x, y, z) in metres in the asset's own frame
    (AI2-THOR axes: y up; an unrotated asset faces +z). ``split`` is ProcTHOR's train/val/test split
    of the asset ("" for structure assets such as door frames that belong to no split).
    """

    asset_id: str
    object_type: str
    size: tuple[float, float, float]
    split: str
    pickupable: bool
    moveable: bool
    static: bool
    receptacle: bool
    openable: bool
    toggleable: bool
    breakable: bool


class UnknownAssetError(KeyError):
    """An asset id that is not in the catalog; the message lists the nearest known ids."""

    def __init__(self, asset_id: str, suggestions: list[str]):
        self.asset_id = asset_id
        self.suggestions = suggestions
        hint = f"; nearest known ids: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown AI2-THOR asset id {asset_id!r}{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


@lru_cache(maxsize=1)
def _assets() -> Mapping[str, AssetInfo]:
    table = {}
    for asset_id, (object_type, sx, sy, sz, split, flags) in raw_catalog()["assets"].items():
        table[asset_id] = AssetInfo(
            asset_id=asset_id,
            object_type=object_type,
            size=(float(sx), float(sy), float(sz)),
            split=split,
            pickupable=bool(flags & _FLAG_PICKUPABLE),
            moveable=bool(flags & _FLAG_MOVEABLE),
            static=bool(flags & _FLAG_STATIC),
            receptacle=bool(flags & _FLAG_RECEPTACLE),
            openable=bool(flags & _FLAG_OPENABLE),
            toggleable=bool(flags & _FLAG_TOGGLEABLE),
            breakable=bool(flags & _FLAG_BREAKABLE),
        )
    return MappingProxyType(table)


def all_assets() -> Mapping[str, AssetInfo]:
    """Every known asset, by id (read-only mapping)."""
    return _assets()


def get_asset(asset_id: str) -> AssetInfo:
    """The asset with this id; raises :class:`UnknownAssetError` (a KeyError) naming near ids."""
    try:
        return _assets()[asset_id]
    except KeyError:
        suggestions = difflib.get_close_matches(str(asset_id), list(_assets()), n=5, cutoff=0.5)
        raise UnknownAssetError(str(asset_id), suggestions) from None
    except TypeError:
        raise UnknownAssetError(repr(asset_id), []) from None


@lru_cache(maxsize=1)
def _by_type() -> Mapping[str, tuple[AssetInfo, ...]]:
    groups: dict[str, list[AssetInfo]] = {}
    for info in _assets().values():
        groups.setdefault(info.object_type, []).append(info)
    return MappingProxyType({t: tuple(v) for t, v in sorted(groups.items())})


def object_types() -> tuple[str, ...]:
    """All AI2-THOR object types in the catalog, sorted."""
    return tuple(_by_type())


def assets_of_type(object_type: str, split: str | None = None) -> tuple[AssetInfo, ...]:
    """Assets of one object type, optionally restricted to a split ("train", "val", "test").

    Structure assets with no split are kept for every split.
    """
    if object_type not in _by_type():
        near = difflib.get_close_matches(object_type, list(_by_type()), n=5)
        raise KeyError(f"unknown object type {object_type!r}; nearest: {near}")
    found = _by_type()[object_type]
    if split is None:
        return found
    return tuple(a for a in found if a.split in (split, ""))
