"""Loading and saving houses: single JSON files, and ProcTHOR-10k style ``.jsonl.gz`` datasets.

:func:`load_house` accepts our houses and real ProcTHOR houses. Schema 0.0.1 houses are upgraded
on load to 1.0.0: a door's or window's ``boundingBox`` becomes ``holePolygon`` ([min, max]) and
``assetOffset`` becomes ``assetPosition`` (hole centre + offset); string materials become
``{"name": ...}``. The result is validated at the "schema" level (structure, references, walls
closing rooms, known asset ids), so a malformed house raises a :class:`HouseValidationError`
naming the bad field.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .validate import HouseValidationError, validate_house

SUPPORTED_SCHEMAS = ("0.0.1", "1.0.0")


def _as_material(value, field: str):
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {"name": value}
    raise HouseValidationError(field, f"material must be a name string or an object with 'name', got {type(value).__name__}")


def _looks_old(house: dict) -> bool:
    for key in ("doors", "windows"):
        for item in house.get(key) or []:
            if isinstance(item, dict) and "boundingBox" in item and "holePolygon" not in item:
                return True
    for wall in house.get("walls") or []:
        if isinstance(wall, dict) and isinstance(wall.get("material"), str):
            return True
    return False


def upgrade_house(house: dict) -> dict:
    """Return a schema-1.0.0 copy of ``house`` (a 0.0.1 house is converted; 1.0.0 is copied)."""
    if not isinstance(house, dict):
        raise HouseValidationError("<house>", f"a house must be a JSON object, got {type(house).__name__}")
    meta = house.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise HouseValidationError("metadata", "metadata must be an object")
    version = (meta or {}).get("schema")
    if version is None:
        version = "0.0.1" if _looks_old(house) else "1.0.0"
    if version not in SUPPORTED_SCHEMAS:
        raise HouseValidationError("metadata.schema", f"unsupported house schema {version!r}; accepted: {', '.join(SUPPORTED_SCHEMAS)}")
    out = copy.deepcopy(house)
    if version == "0.0.1":
        for key in ("doors", "windows"):
            for i, item in enumerate(out.get(key) or []):
                if not isinstance(item, dict) or "holePolygon" in item:
                    continue
                bb = item.pop("boundingBox", None)
                if not isinstance(bb, dict) or not isinstance(bb.get("min"), dict) or not isinstance(bb.get("max"), dict):
                    raise HouseValidationError(f"{key}[{i}].boundingBox", "a 0.0.1 hole needs boundingBox {min, max}")
                try:
                    mn = {a: float(bb["min"][a]) for a in "xyz"}
                    mx = {a: float(bb["max"][a]) for a in "xyz"}
                    off = item.pop("assetOffset", None) or {"x": 0.0, "y": 0.0, "z": 0.0}
                    item["holePolygon"] = [mn, mx]
                    item["assetPosition"] = {a: (mn[a] + mx[a]) / 2 + float(off.get(a, 0.0)) for a in "xyz"}
                except (KeyError, TypeError, ValueError) as e:
                    raise HouseValidationError(f"{key}[{i}].boundingBox", f"bad 0.0.1 bounding box: {e}") from None
        for i, room in enumerate(out.get("rooms") or []):
            if isinstance(room, dict) and "floorMaterial" in room:
                room["floorMaterial"] = _as_material(room["floorMaterial"], f"rooms[{i}].floorMaterial")
        for i, wall in enumerate(out.get("walls") or []):
            if isinstance(wall, dict) and "material" in wall:
                wall["material"] = _as_material(wall["material"], f"walls[{i}].material")
        pp = out.get("proceduralParameters")
        if isinstance(pp, dict) and "ceilingMaterial" in pp:
            pp["ceilingMaterial"] = _as_material(pp["ceilingMaterial"], "proceduralParameters.ceilingMaterial")
    if isinstance(out.get("metadata"), dict):
        out["metadata"]["schema"] = "1.0.0"
    return out


def load_house(obj_or_path, validate: str | None = "schema") -> dict:
    """A house from a dict, a JSON string, or a ``.json``/``.json.gz`` path; upgraded and validated.

    ``validate`` is the level passed to :func:`validate_house` ("schema", "full") or None to skip.
    """
    if isinstance(obj_or_path, dict):
        house = obj_or_path
    elif isinstance(obj_or_path, (str, os.PathLike)):
        text = str(obj_or_path)
        if isinstance(obj_or_path, str) and text.lstrip().startswith("{"):
            house = _parse(text, "<string>")
        else:
            path = Path(obj_or_path)
            if not path.is_file():
                raise FileNotFoundError(f"no house file at {path}")
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as f:
                house = _parse(f.read(), str(path))
    else:
        raise TypeError(f"load_house takes a dict, a JSON string or a path, not {type(obj_or_path).__name__}")
    house = upgrade_house(house)
    if validate:
        validate_house(house, level=validate)
    return house


def _parse(text: str, where: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise HouseValidationError("<house>", f"{where} is not valid JSON: {e}") from None


def load_houses(path: str | os.PathLike, validate: str | None = None) -> Iterator[dict]:
    """Stream the houses of a ``.jsonl.gz`` (or ``.jsonl``) dataset, one per line, upgraded on load."""
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(f"{p} is a folder; pass a file such as {p / 'train.jsonl.gz'}")
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            try:
                house = json.loads(line)
            except json.JSONDecodeError as e:
                raise HouseValidationError(f"<line {n + 1}>", f"not valid JSON: {e}") from None
            yield load_house(house, validate=validate)


def dumps_house(house: dict) -> str:
    """One compact JSON line (the dataset format)."""
    return json.dumps(house, separators=(",", ":"))


def write_houses(houses: Iterable[dict], path: str | os.PathLike) -> int:
    """Write houses to a ``.jsonl.gz`` file, one per line; returns how many were written."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "wt", encoding="utf-8") as f:
        for house in houses:
            f.write(dumps_house(house) + "\n")
            n += 1
    return n
