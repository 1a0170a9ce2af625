"""Top-down floor-plan pictures of house dicts (matplotlib, headless)."""

from __future__ import annotations

import math
from pathlib import Path

from ..catalog.assets import UnknownAssetError, get_asset
from .geometry import door_openings, object_footprint, room_polygons, wall_segments, window_openings

ROOM_COLOURS = {
    "Kitchen": "#f6d08b",
    "LivingRoom": "#a8d5a2",
    "Bedroom": "#a9c4eb",
    "Bathroom": "#d9b3e6",
}


def _label_point(poly):
    """An interior point far from the outline (the vertex mean can fall outside an L or U room)."""
    import numpy as np

    from .geometry import points_in_polygon

    xs = np.linspace(poly[:, 0].min(), poly[:, 0].max(), 24)[1:-1]
    zs = np.linspace(poly[:, 1].min(), poly[:, 1].max(), 24)[1:-1]
    pts = np.stack(np.meshgrid(xs, zs), -1).reshape(-1, 2)
    pts = pts[points_in_polygon(pts, poly)]
    if len(pts) == 0:
        return float(poly[:, 0].mean()), float(poly[:, 1].mean())
    a, b = poly, np.roll(poly, -1, axis=0)
    d = b - a
    t = np.clip(((pts[:, None, :] - a[None]) * d[None]).sum(-1) / np.maximum((d * d).sum(-1), 1e-12)[None], 0, 1)
    closest = a[None] + t[..., None] * d[None]
    dist = np.linalg.norm(pts[:, None, :] - closest, axis=-1).min(1)
    best = pts[int(np.argmax(dist))]
    return float(best[0]), float(best[1])


def draw_house(house: dict, path: str | Path | None = None, *, show_navgrid: bool = False, title: str | None = None,
               ax=None, dpi: int = 110):
    """Draw rooms (coloured by type), walls, doors, windows, furniture footprints and the start
    pose. Writes a PNG when ``path`` is given; returns the matplotlib figure."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrow, Polygon, Rectangle

    fig = None
    if ax is None:
        polys = room_polygons(house)
        xs = [p[:, 0] for p in polys.values()]
        zs = [p[:, 1] for p in polys.values()]
        w = max(float(x.max()) for x in xs) - min(float(x.min()) for x in xs)
        h = max(float(z.max()) for z in zs) - min(float(z.min()) for z in zs)
        scale = 7.0 / max(w, h, 1.0)
        fig, ax = plt.subplots(figsize=(max(3.0, w * scale) + 1.6, max(3.0, h * scale) + 0.6), dpi=dpi)
    room_types = {r["id"]: r.get("roomType", "") for r in house["rooms"]}
    for rid, poly in room_polygons(house).items():
        ax.add_patch(Polygon(poly, closed=True, facecolor=ROOM_COLOURS.get(room_types[rid], "#dddddd"), edgecolor="none", zorder=0))
        cx, cz = _label_point(poly)
        ax.text(cx, cz, f"{room_types[rid]}\n{rid}", ha="center", va="center", fontsize=6, color="#333333", zorder=5,
                alpha=0.8)
    if show_navgrid:
        from .navgrid import build_navgrid

        nav = build_navgrid(house)
        pos = house["metadata"]["agent"]["position"]
        reach = nav.reachable_from(pos["x"], pos["z"])
        pts = [nav.point(i, j) for i, j in zip(*reach.nonzero(), strict=True)]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=1.5, c="#3a7d44", alpha=0.5, zorder=1)
    for obj in house.get("objects", []):
        try:
            info = get_asset(obj["assetId"])
        except UnknownAssetError:
            continue
        x0, z0, x1, z1 = object_footprint(obj, info.size)
        wall_mounted = obj["position"]["y"] - info.size[1] / 2 > 0.3
        ax.add_patch(Rectangle((x0, z0), x1 - x0, z1 - z0, facecolor="#8c6d46" if not wall_mounted else "#c0504d",
                               edgecolor="#3d2b1f", linewidth=0.5, alpha=0.85, zorder=2))
        if not wall_mounted and (x1 - x0) * (z1 - z0) > 0.25:
            ax.text((x0 + x1) / 2, (z0 + z1) / 2, info.object_type, fontsize=4.5, ha="center", va="center", color="white",
                    zorder=6)
        for child in obj.get("children") or []:
            try:
                cinfo = get_asset(child["assetId"])
            except UnknownAssetError:
                continue
            a0, b0, a1, b1 = object_footprint(child, cinfo.size)
            ax.add_patch(Rectangle((a0, b0), a1 - a0, b1 - b0, facecolor="#f0e442", edgecolor="#555555", linewidth=0.3,
                                   zorder=3))
    drawn = set()
    for w in wall_segments(house):
        key = tuple(sorted((w.p0, w.p1)))
        if key in drawn:
            continue
        drawn.add(key)
        ax.plot([w.p0[0], w.p1[0]], [w.p0[1], w.p1[1]], color="#222222", linewidth=2.2, solid_capstyle="butt", zorder=4)
    for win in window_openings(house):
        ax.plot([win.a[0], win.b[0]], [win.a[1], win.b[1]], color="#56b4e9", linewidth=3.5, solid_capstyle="butt", zorder=5)
    for d in door_openings(house):
        exterior = d.wall1.startswith("wall|exterior")
        ax.plot([d.a[0], d.b[0]], [d.a[1], d.b[1]], color="white", linewidth=3.0, solid_capstyle="butt", zorder=5)
        ax.plot([d.a[0], d.b[0]], [d.a[1], d.b[1]], color="#d55e00" if exterior else "#009e73", linewidth=1.2,
                linestyle=(0, (2, 1)), zorder=6)
    agent = house.get("metadata", {}).get("agent")
    if agent:
        x, z = agent["position"]["x"], agent["position"]["z"]
        th = math.radians(agent["rotation"]["y"])
        ax.add_patch(FancyArrow(x, z, 0.45 * math.sin(th), 0.45 * math.cos(th), width=0.08, head_width=0.25,
                                head_length=0.18, color="#e41a1c", zorder=7))
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(0.04)
    ax.set_xlabel("x (m)", fontsize=7)
    ax.set_ylabel("z (m)", fontsize=7)
    ax.tick_params(labelsize=6)
    spec = house.get("metadata", {}).get("roomSpecId", "")
    ax.set_title(title or f"{spec}: {len(house['rooms'])} rooms, {len(house.get('objects', []))} objects", fontsize=8)
    if fig is not None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [Patch(color=c, label=t) for t, c in ROOM_COLOURS.items()] + [
            Line2D([], [], color="#009e73", lw=1.5, label="door"),
            Line2D([], [], color="#d55e00", lw=1.5, label="exterior door"),
            Line2D([], [], color="#56b4e9", lw=3, label="window"),
            Patch(color="#8c6d46", label="furniture"),
            Patch(color="#c0504d", label="wall object"),
            Patch(color="#f0e442", label="small object"),
            Line2D([], [], color="#e41a1c", marker=">", lw=0, label="start pose"),
        ]
        ax.legend(handles=handles, fontsize=5.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
            plt.close(fig)
    return fig


def draw_house_grid(houses: list[dict], path: str | Path, cols: int = 2, dpi: int = 110) -> Path:
    """Several floor plans in one figure (for READMEs and reports)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = (len(houses) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 5.0 * rows), dpi=dpi, squeeze=False)
    for ax, house in zip(axes.flat, houses, strict=False):
        draw_house(house, ax=ax)
    for ax in list(axes.flat)[len(houses):]:
        ax.axis("off")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
