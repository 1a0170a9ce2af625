"""Packing many scenes into the flat arrays one numba call consumes, and editing them in place.

One :class:`SceneBatch` holds N scenes (e.g. the 64 different houses of a vector env) concatenated
into flat arrays with per-scene offsets, so that a single ``prange`` kernel can render cameras that
look into different worlds. Pack once per episode and reuse it every step; edit blocks with
:meth:`SceneBatch.set_voxels` (mining, placing) instead of re-packing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .materials import material_array
from .types import MAX_EMPTY_DISTANCE, RenderError, VoxelScene

# Column layout of SceneBatch.scene_int (int64) and SceneBatch.scene_float (float32).
(SI_CX, SI_CY, SI_CZ, SI_B, SI_COARSE, SI_TOP, SI_LIGHT, SI_PART, SI_GROUND_PART, SI_NPARTS, SI_SHIFT,
 SI_YLO, SI_YHI) = range(13)
SI_COLUMNS = 13
(SF_OX, SF_OY, SF_OZ, SF_VS, SF_VIEW, SF_FOG, SF_ZEN, _, _, SF_HOR, _, _, SF_SUN, _, _, SF_SUNK,
 SF_AMB, SF_GROUND_Y, SF_HAS_GROUND) = range(19)
SF_COLUMNS = 19


def pack_cells(coarse: np.ndarray, octant: np.ndarray) -> np.ndarray:
    """Kernel cell words: brick index where ``coarse >= 0``, else ``-1 - sum(octant[o] << 6*o)``."""
    packed = np.zeros(coarse.shape, np.int64)
    for o in range(8):
        packed |= octant[..., o].astype(np.int64) << (6 * o)
    return np.where(coarse >= 0, coarse.astype(np.int64), -1 - packed)


class SceneBatch:
    """N scenes packed for the kernel. All scenes in one batch must share one brick size."""

    def __init__(self, scenes: Sequence[VoxelScene]):
        scenes = list(scenes)
        if not scenes:
            raise RenderError("a SceneBatch needs at least one VoxelScene")
        for i, s in enumerate(scenes):
            if not isinstance(s, VoxelScene):
                raise RenderError(f"scene {i} is a {type(s).__name__}, expected a VoxelScene")
        bricks = {s.brick for s in scenes}
        if len(bricks) != 1:
            raise RenderError(f"all scenes in one batch must share one brick size, got {sorted(bricks)}")
        self.brick = scenes[0].brick
        self.scenes = scenes
        n = len(scenes)
        self.scene_int = np.zeros((n, SI_COLUMNS), np.int64)
        self.scene_float = np.zeros((n, SF_COLUMNS), np.float32)
        coarse, octant, top, light, pools = [], [], [], [], []
        mats, cls, inst, tint = [], [], [], []
        c_off = t_off = l_off = p_off = b_off = 0
        for i, s in enumerate(scenes):
            si, sf, st = self.scene_int[i], self.scene_float[i], s.style
            si[SI_CX:SI_CZ + 1] = s.coarse.shape
            si[SI_B] = s.brick
            si[SI_COARSE], si[SI_TOP], si[SI_LIGHT], si[SI_PART] = c_off, t_off, l_off, p_off
            si[SI_GROUND_PART] = p_off + st.ground_part
            si[SI_NPARTS] = len(s.parts)
            si[SI_SHIFT] = int(s.brick).bit_length() - 1
            occupied_y = np.nonzero((s.coarse >= 0).any(axis=(0, 2)))[0]
            si[SI_YLO] = occupied_y.min() * s.brick if occupied_y.size else 0
            si[SI_YHI] = (occupied_y.max() + 1) * s.brick if occupied_y.size else 0
            sf[SF_OX:SF_OZ + 1] = s.origin
            sf[SF_VS] = s.voxel_size
            sf[SF_VIEW], sf[SF_FOG] = st.view_distance, st.fog_start
            sf[SF_ZEN:SF_ZEN + 3] = st.sky_zenith
            sf[SF_HOR:SF_HOR + 3] = st.sky_horizon
            sun = np.asarray(st.sun_direction, np.float64)
            sf[SF_SUN:SF_SUN + 3] = sun / np.linalg.norm(sun)
            sf[SF_SUNK], sf[SF_AMB] = st.sun_strength, st.ambient
            sf[SF_GROUND_Y] = 0.0 if st.ground_y is None else st.ground_y
            sf[SF_HAS_GROUND] = 0.0 if st.ground_y is None else 1.0
            c = s.coarse.ravel().astype(np.int32)
            coarse.append(np.where(c >= 0, c + b_off, c).astype(np.int32))
            octant.append(s.octant.reshape(-1))
            top.append(s.top.ravel())
            light.append(s.light.ravel())
            pools.append(s.bricks)
            mats.append(s.parts.material)
            cls.append(s.parts.class_id)
            inst.append(s.parts.instance_id)
            tint.append(s.parts.tint)
            c_off += c.size
            t_off += s.top.size
            l_off += s.light.size
            p_off += len(s.parts)
            b_off += s.bricks.shape[0]
        self.coarse = np.concatenate(coarse)
        self.octant = np.ascontiguousarray(np.concatenate(octant), np.uint8)
        # what the kernel reads: one int64 per coarse cell, a brick index (>= 0) or, for an empty
        # cell, -1 - (its 8 octant distances packed 6 bits each): one load per empty-space jump
        self.cells = pack_cells(self.coarse, self.octant.reshape(-1, 8))
        self.top = np.ascontiguousarray(np.concatenate(top), np.int16)
        self.light = np.ascontiguousarray(np.concatenate(light), np.float32)
        pool = np.concatenate(pools).astype(np.uint16)
        self._n_bricks = pool.shape[0]
        self._pool = np.zeros((max(16, int(self._n_bricks * 1.25) + 16), self.brick**3), np.uint16)
        self._pool[: self._n_bricks] = pool
        self.part_material = np.concatenate(mats).astype(np.int32)
        self.part_class = np.concatenate(cls).astype(np.int32)
        self.part_instance = np.concatenate(inst).astype(np.int32)
        self.part_tint = np.ascontiguousarray(np.concatenate(tint), np.float32)
        self.materials = np.ascontiguousarray(material_array())
        self._opaque = self.materials[:, 8] >= 1.0
        self._empty_entities = None
        self._vis_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.scenes)

    @property
    def _no_entities(self):
        """A cached empty EntityBatch for this batch (saves building one per render call)."""
        if self._empty_entities is None:
            from .types import EntityBatch

            self._empty_entities = EntityBatch.empty(len(self.scenes))
        return self._empty_entities

    def _no_visible(self, n_cameras: int):
        """Cached all-zero visible-entity arrays for n cameras (no entity in view)."""
        if n_cameras not in self._vis_cache:
            self._vis_cache[n_cameras] = (np.zeros(n_cameras, np.int32), np.zeros((n_cameras, 1), np.int32),
                                          np.zeros((n_cameras, 1, 4), np.int32))
        return self._vis_cache[n_cameras]

    @property
    def pool(self) -> np.ndarray:
        """All bricks of all scenes, (capacity, B**3) uint16 (rows past the used count are spare)."""
        return self._pool

    @property
    def pool_flat(self) -> np.ndarray:
        """The brick pool as one flat array (what the kernel indexes)."""
        return self._pool.reshape(-1)

    # ----------------------------------------------------------------- editing
    def _scene_views(self, s: int):
        si = self.scene_int[s]
        cdims = tuple(int(v) for v in si[SI_CX:SI_CZ + 1])
        n_coarse = cdims[0] * cdims[1] * cdims[2]
        coarse = self.coarse[si[SI_COARSE]: si[SI_COARSE] + n_coarse].reshape(cdims)
        octant = self.octant[si[SI_COARSE] * 8: (si[SI_COARSE] + n_coarse) * 8].reshape(cdims + (8,))
        cells = self.cells[si[SI_COARSE]: si[SI_COARSE] + n_coarse].reshape(cdims)
        b = int(si[SI_B])
        top = self.top[si[SI_TOP]: si[SI_TOP] + cdims[0] * b * cdims[2] * b].reshape(cdims[0] * b, cdims[2] * b)
        return coarse, octant, cells, top, b

    def get_voxels(self, scene_index: int, ijk: np.ndarray) -> np.ndarray:
        """Part ids at fine voxel coordinates ``ijk`` (K, 3) of one scene (0 where empty)."""
        self._check_scene(scene_index)
        coarse, _oct, _cells, _top, b = self._scene_views(scene_index)
        ijk = self._check_ijk(ijk, coarse.shape, b)
        c = coarse[ijk[:, 0] // b, ijk[:, 1] // b, ijk[:, 2] // b]
        local = ((ijk[:, 0] % b) * b + ijk[:, 1] % b) * b + ijk[:, 2] % b
        out = np.zeros(len(ijk), np.uint16)
        has = c >= 0
        out[has] = self._pool[c[has], local[has]]
        return out

    def set_voxels(self, scene_index: int, ijk: np.ndarray, part_ids: np.ndarray | int) -> None:
        """Write part ids (0 = remove) at fine voxel coordinates ``ijk`` (K, 3) of one scene, in place.

        Keeps the empty-space distances and the sun-visibility column tops exact, so the next render
        sees the edit. A brick emptied by removals stays allocated (rays just walk it).
        """
        self._check_scene(scene_index)
        coarse, octant, cells, top, b = self._scene_views(scene_index)
        ijk = self._check_ijk(ijk, coarse.shape, b)
        parts = np.broadcast_to(np.asarray(part_ids, np.int64), (len(ijk),))
        n_parts = int(self.scene_int[scene_index, SI_NPARTS])
        if len(parts) and (parts.min() < 0 or parts.max() >= n_parts):
            raise RenderError(f"part ids must lie in [0, {n_parts}) for scene {scene_index}")
        part_base = int(self.scene_int[scene_index, SI_PART])
        for (i, j, k), p in zip(ijk.tolist(), parts.tolist(), strict=True):
            ci, cj, ck = i // b, j // b, k // b
            brick = int(coarse[ci, cj, ck])
            if brick < 0:
                if p == 0:
                    continue
                brick = self._new_brick()
                self._claim_brick(coarse, octant, cells, (ci, cj, ck), brick)
                si = self.scene_int[scene_index]
                si[SI_YLO] = min(si[SI_YLO], cj * b)
                si[SI_YHI] = max(si[SI_YHI], (cj + 1) * b)
            self._pool[brick, ((i % b) * b + j % b) * b + k % b] = p
            opaque = p != 0 and self._opaque[self.part_material[part_base + p]]
            if opaque and top[i, k] <= j:
                top[i, k] = j + 1
            elif not opaque and top[i, k] == j + 1:
                top[i, k] = self._column_top(coarse, b, i, k, j, part_base)

    def replace_part(self, scene_index: int, old_part: int, new_part: int) -> int:
        """Replace every voxel of ``old_part`` by ``new_part`` in one scene (e.g. hide a picked-up
        object by replacing it with 0). Returns the number of voxels changed. Column tops are
        recomputed for the touched columns."""
        self._check_scene(scene_index)
        coarse, octant, cells, top, b = self._scene_views(scene_index)
        n_parts = int(self.scene_int[scene_index, SI_NPARTS])
        if not (0 < old_part < n_parts and 0 <= new_part < n_parts):
            raise RenderError(f"part ids must lie in [1, {n_parts}) (old) and [0, {n_parts}) (new)")
        bricks = coarse[coarse >= 0]
        sub = self._pool[bricks]
        hit = sub == old_part
        count = int(hit.sum())
        if count == 0:
            return 0
        sub[hit] = new_part
        self._pool[bricks] = sub
        cells = np.argwhere(coarse >= 0)
        part_base = int(self.scene_int[scene_index, SI_PART])
        touched = set()
        for (ci, _cj, ck), brick_hit in zip(cells.tolist(), hit, strict=True):
            if brick_hit.any():
                loc = np.argwhere(brick_hit.reshape(b, b, b))
                for lx, _ly, lz in loc.tolist():
                    touched.add((ci * b + lx, ck * b + lz))
        for i, k in touched:
            top[i, k] = self._column_top(coarse, b, i, k, coarse.shape[1] * b - 1, part_base)
        return count

    # ----------------------------------------------------------------- helpers
    def _check_scene(self, s: int) -> None:
        if not (0 <= s < len(self.scenes)):
            raise RenderError(f"scene_index must lie in [0, {len(self.scenes)}), got {s}")

    @staticmethod
    def _check_ijk(ijk, cdims, b) -> np.ndarray:
        ijk = np.asarray(ijk, np.int64).reshape(-1, 3)
        dims = np.asarray(cdims) * b
        if len(ijk) and (ijk.min() < 0 or np.any(ijk >= dims)):
            raise RenderError(f"voxel coordinates must lie in [0, {tuple(dims.tolist())}), got {ijk.min(0)}..{ijk.max(0)}")
        return ijk

    def _new_brick(self) -> int:
        if self._n_bricks == self._pool.shape[0]:
            grown = np.zeros((self._pool.shape[0] * 2, self._pool.shape[1]), np.uint16)
            grown[: self._n_bricks] = self._pool[: self._n_bricks]
            self._pool = grown
        self._n_bricks += 1
        return self._n_bricks - 1

    @staticmethod
    def _claim_brick(coarse: np.ndarray, octant: np.ndarray, cells: np.ndarray, cell: tuple[int, int, int],
                     brick: int) -> None:
        """Mark a coarse cell occupied and shorten the empty distances of the cells around it."""
        r = MAX_EMPTY_DISTANCE
        lo = [max(0, c - r + 1) for c in cell]
        hi = [min(n, c + r) for c, n in zip(cell, coarse.shape, strict=True)]
        region = coarse[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        oregion = octant[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        gx, gy, gz = np.meshgrid(
            *[cell[a] - np.arange(lo[a], hi[a]) for a in range(3)], indexing="ij"
        )  # offset from each cell to the new brick
        d = np.maximum(np.maximum(np.abs(gx), np.abs(gy)), np.abs(gz)).astype(np.int32)
        empty = region < 0
        region[empty] = np.maximum(region[empty], -d[empty])
        for o in range(8):
            ahead = (((gx >= 0) if o & 4 else (gx <= 0)) & ((gy >= 0) if o & 2 else (gy <= 0))
                     & ((gz >= 0) if o & 1 else (gz <= 0)))
            view = oregion[..., o]
            view[ahead] = np.minimum(view[ahead], d[ahead]).astype(np.uint8)
        coarse[cell] = brick
        cells[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = pack_cells(region, oregion)

    def _column_top(self, coarse, b, i, k, start_j, part_base) -> int:
        for j in range(start_j, -1, -1):
            brick = coarse[i // b, j // b, k // b]
            if brick < 0:
                continue
            p = self._pool[brick, ((i % b) * b + j % b) * b + k % b]
            if p != 0 and self._opaque[self.part_material[part_base + p]]:
                return j + 1
        return 0
