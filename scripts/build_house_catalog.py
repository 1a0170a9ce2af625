"""Build the compact house catalog shipped in ``procgen/catalog/data/house_catalog.json``.

The house generator needs only a few facts from ProcTHOR's databases (asset ids, types, bounding
boxes, splits, interaction flags; door/window hole sizes; material names; which small objects go on
which receptacle; where each object type may stand; the semantic asset groups). Shipping those facts
in one small JSON keeps the package free of the multi-megabyte originals and of pandas.

Run from the repository root:

    python scripts/build_house_catalog.py [--source ../shared/reference-data/procthor]

Source: allenai/procthor, procthor/databases (Apache-2.0); see the README's credits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "reference-data" / "procthor"
OUT = REPO / "procgen" / "catalog" / "data" / "house_catalog.json"

# Flag bits stored per asset (see procgen/catalog/assets.py).
FLAG_BITS = {
    "CanPickup": 1,
    "Moveable": 2,
    "Static": 4,
    "Receptacle": 8,
    "CanOpen": 16,
    "CanToggleOnOff": 32,
    "CanBreak": 64,
    "ObjectSpecificReceptacle": 128,
}
# Material families used for walls, floors and ceilings (ProcTHOR draws from the same families).
MATERIAL_FAMILIES = ("Wall", "Wood", "Fabric", "Metal", "Plastic", "Glass")
ROOM_KEYS = {"Kitchen": "inKitchens", "LivingRoom": "inLivingRooms", "Bedroom": "inBedrooms", "Bathroom": "inBathrooms"}


def _r(v: float) -> float:
    return round(float(v), 4)


def build_assets(src: Path) -> dict:
    db = json.loads((src / "asset-database.json").read_text())
    assets = {}
    for object_type, entries in db.items():
        for a in entries:
            bb = a["boundingBox"]
            flags = 0
            for prop in [a.get("primaryProperty") or ""] + list(a.get("secondaryProperties") or []):
                flags |= FLAG_BITS.get(prop, 0)
            assets[a["assetId"]] = [object_type, _r(bb["x"]), _r(bb["y"]), _r(bb["z"]), a.get("split") or "", flags]
    return dict(sorted(assets.items()))


def build_wall_holes(src: Path) -> dict:
    holes = json.loads((src / "wall-holes.json").read_text())
    out = {}
    for asset_id, h in sorted(holes.items()):
        mn, mx, off = h["min"], h["max"], h["offset"]
        # width, height, depth of the hole, then the asset's offset inside it
        out[asset_id] = [_r(mx["x"] - mn["x"]), _r(mx["y"] - mn["y"]), _r(mx["z"] - mn["z"]), _r(off["x"]), _r(off["y"]), _r(off["z"])]
    return out


def build_placement(src: Path) -> dict:
    pa = json.loads((src / "placement-annotations.json").read_text())
    out = {}
    for object_type in sorted(pa["instances"]):
        rooms = {room: int(pa[key].get(object_type) or 0) for room, key in ROOM_KEYS.items()}
        out[object_type] = {
            "rooms": {k: v for k, v in rooms.items() if v},
            "onFloor": bool(pa["onFloor"].get(object_type)),
            "onWall": bool(pa["onWall"].get(object_type)),
            "inCorner": bool(pa["inCorner"].get(object_type)),
            "inMiddle": bool(pa["inMiddle"].get(object_type)),
            "onEdge": bool(pa["onEdge"].get(object_type)),
            "multiplePerRoom": bool(pa["multiplePerRoom"].get(object_type)),
            "isPickupable": bool(pa["isPickupable"].get(object_type)),
        }
    return out


def build_receptacles(src: Path) -> dict:
    rec = json.loads((src / "receptacles.json").read_text())
    return {r: {o: _r(v["p"]) for o, v in sorted(objs.items())} for r, objs in sorted(rec.items())}


def build_groups(src: Path, known_assets: dict) -> dict:
    """Flatten each asset-group tree into a list of nodes with a parent index."""
    groups = {}
    for path in sorted((src / "asset_groups").glob("*.json")):
        g = json.loads(path.read_text())
        meta = g["assetMetadata"]
        nodes: list[dict] = []

        def walk(tree_node: dict, parent: int, meta: dict = meta, nodes: list = nodes) -> None:
            m = meta[str(tree_node["instanceId"])]
            p = m["position"]
            ids = sorted({i for v in m["assetIds"].values() for i in v if i in known_assets})
            types = sorted(m["assetIds"])
            nodes.append({
                "type": types[0],
                "parent": parent,
                "anchor": int(p.get("relativeAnchorToParent", 4)),
                "above": p.get("verticalAlignment") == "above",
                "align": [int(p.get("xAlignment", 1)), int(p.get("zAlignment", 1))],
                "offset": [_r(p["x"]), _r(p["z"])] if parent >= 0 else [0.0, 0.0],
                "rotation": _r(m.get("rotation", 0)),
                "assets": ids,
            })
            me = len(nodes) - 1
            for child in tree_node.get("children", []):
                walk(child, me)

        for root in g["treeData"]:
            walk(root, -1)
        groups[path.stem] = nodes
    return groups


def build_materials(src: Path) -> dict:
    mats = json.loads((src / "material-database.json").read_text())
    out = {fam: sorted(mats[fam]) for fam in MATERIAL_FAMILIES if fam in mats}
    out["solidWallColors"] = [{k: _r(v) for k, v in c.items()} for c in json.loads((src / "solid-wall-colors.json").read_text())]
    out["skyboxes"] = sorted(json.loads((src / "skyboxes.json").read_text()))
    return out


def build(src: Path) -> dict:
    assets = build_assets(src)
    return {
        "source": "allenai/procthor procthor/databases (Apache-2.0), derived by scripts/build_house_catalog.py",
        "flagBits": FLAG_BITS,
        "assetFields": ["objectType", "sizeX", "sizeY", "sizeZ", "split", "flags"],
        "assets": assets,
        "wallHoles": build_wall_holes(src),
        "wallHoleFields": ["width", "height", "depth", "offsetX", "offsetY", "offsetZ"],
        "placement": build_placement(src),
        "receptacles": build_receptacles(src),
        "groups": build_groups(src, assets),
        "materials": build_materials(src),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="ProcTHOR databases folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.source / "asset-database.json").is_file():
        print(f"no asset-database.json in {args.source}", file=sys.stderr)
        return 2
    catalog = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(catalog, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(catalog['assets'])} assets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
