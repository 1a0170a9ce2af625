"""Packing many scenes into the flat arrays one numba call consumes, and editing them in place.

One :class:`SceneBatch` holds N scenes (e.g. the 64 different houses of a vector env) in flat arrays
with per-scene offsets, so that a single ``prange`` kernel can render cameras that look into different
worlds. Pack once and reuse it every step: edit blocks with :meth:`SceneBatch.set_voxels` (mining,
placing), hide objects with :meth:`SceneBatch.replace_part`, and swap one env's world for a new one
with :meth:`SceneBatch.replace_scene` (cost of that one scene, not of the batch).

For the raster path each scene also gets its visible voxels merged into boxes (``boxes.py``), built
on the first raster render, grouped by chunk (columns ``boxes.CHUNK_METRES`` wide); an edit marks
the chunks it touches stale and the next raster render re-merges just those, so boxes never show an
outdated scene and an edited scene stays on the raster path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .materials import material_array
from .types import MAX_EMPTY_DISTANCE, RenderError, VoxelScene

# Column layout of SceneBatch.scene_int (int64) and SceneBatch.scene_float (float32).
(SI_CX, SI_CY, SI_CZ, SI_B, SI_COARSE, SI_TOP, SI_LIGHT, SI_PART, SI_GROUND_PART, SI_NPARTS, SI_SHIFT,
 SI_YLO, SI_YHI, SI_BOX, SI_NBOX_OPAQUE, SI_NBOX, SI_CHUNK, SI_NCHUNK) = range(18)
SI_COLUMNS = 18
# SI_NBOX: the scene's box count for the raster path (see boxes.py), or one of these states:
BOXES_NOT_BUILT = -2  # never needed yet (built on the first raster render)
BOXES_STALE = -1  # voxels were edited since: the edited chunks must be re-merged before boxes are drawn
BOXES_OVER_BUDGET = -3  # the build stopped past boxes.MAX_RASTER_BOXES: auto ray casts it, raster builds it
# SI_CHUNK / SI_NCHUNK: first row and count of the scene's chunk table (boxes.CH_* columns).
# A VoxelScene keeps the per-chunk boxes of its own (unedited) voxels under this attribute, with the
# budget they were built under (chunks None: over that budget), so that a new batch of the same scene
# objects (the voxel env repacks its windows) does not build them again.
_BOXES_ATTR = "_raster_boxes"
(SF_OX, SF_OY, SF_OZ, SF_VS, SF_VIEW, SF_FOG, SF_ZEN, _, _, SF_HOR, _, _, SF_SUN, _, _, SF_SUNK,
 SF_AMB, SF_GROUND_Y, SF_HAS_GROUND) = range(19)
SF_COLUMNS = 19


def pack_cells(coarse: np.ndarray, octant: np.ndarray) -> np.ndarray:
    """Kernel cell words: brick index where ``coarse >= 0``, else ``-1 - sum(octant[o] << 6*o)``."""
    packed = np.zeros(coarse.shape, np.int64)
    for o in range(8):
        packed |= octant[..., o].astype(np.int64) << (6 * o)
    return np.where(coarse >= 0, coarse.astype(np.int64), -1 - packed)


WORD_MAX_DISTANCE = 15  # octant distances a kernel word can hold (larger ones are stored as 15)


def cell_words(cells: np.ndarray) -> np.ndarray:
    """The kernel's 32-bit form of :func:`pack_cells` words: ``brick << 4`` for a cell holding a
    brick, else the 8 octant distances (capped at 15, a shorter but still safe jump) one per 4 bits.

    An empty cell's distances are all >= 1 (the cell itself is empty), so a word whose low 4 bits are
    0 names a brick. Why: half the bytes of the int64 words, so a ray's coarse-cell reads miss the
    cache less (the coarse grid of a house is a few hundred KB).
    """
    cells = np.asarray(cells, np.int64)
    if cells.size and cells.max() >= 1 << 28:
        raise RenderError("more than 2**28 bricks do not fit the renderer's 32-bit cell words")
    free = np.where(cells < 0, -1 - cells, 0)
    words = np.zeros(cells.shape, np.uint32)
    for o in range(8):
        d = np.minimum((free >> (6 * o)) & 63, WORD_MAX_DISTANCE).astype(np.uint32)
        words |= d << np.uint32(4 * o)
    return np.where(cells >= 0, (np.maximum(cells, 0) << 4).astype(np.uint32), words)


def unpack_octants(cells: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_cells` for the distances: (..., 8) uint8, 0 where a cell holds a brick."""
    free = np.where(cells < 0, -1 - cells, 0)
    return np.stack([(free >> (6 * o)) & 63 for o in range(8)], axis=-1).astype(np.uint8)


class _Segments:
    """Growable flat storage with one contiguous segment per scene; a segment is rewritten in place
    when the replacement fits, else appended (the old one becomes garbage until :meth:`compact`)."""

    def __init__(self, dtype, tail: tuple[int, ...] = ()):
        self.data = np.zeros((16,) + tail, dtype)
        self.used = 0
        self.offset: list[int] = []
        self.length: list[int] = []
        self.capacity: list[int] = []

    def put(self, i: int, values: np.ndarray) -> int:
        n = len(values)
        if i < len(self.offset) and n <= self.capacity[i]:
            off = self.offset[i]
        else:
            if self.used + n > len(self.data):
                grown = np.zeros((max(2 * len(self.data), self.used + n),) + self.data.shape[1:], self.data.dtype)
                grown[: self.used] = self.data[: self.used]
                self.data = grown
            off = self.used
            self.used += n
            if i < len(self.offset):
                self.offset[i], self.capacity[i] = off, n
            else:
                self.offset.append(off)
                self.capacity.append(n)
                self.length.append(0)
        self.data[off: off + n] = values
        self.length[i] = n
        return off

    def view(self, i: int) -> np.ndarray:
        return self.data[self.offset[i]: self.offset[i] + self.length[i]]

    def garbage(self) -> int:
        return self.used - sum(self.length)

    def compact(self) -> None:
        live = [self.view(i).copy() for i in range(len(self.offset))]
        self.data = np.zeros((max(16, sum(self.length)),) + self.data.shape[1:], self.data.dtype)
        self.used = 0
        self.offset, self.length, self.capacity = [], [], []
        for i, values in enumerate(live):
            self.put(i, values)


class SceneBatch:
    """N scenes packed for the kernel. All scenes in one batch must share one brick size."""

    def __init__(self, scenes: Sequence[VoxelScene]):
        from .boxes import BOX_COLUMNS  # (here: boxes.py imports numba, which `import embodied_gym` must not)

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
        self._cells = _Segments(np.int64)
        self._words = np.zeros(0, np.uint32)  # cell_words of self._cells.data, synced lazily
        self._dirty: list[tuple[int, int]] = []  # flat ranges of cells written since the words were derived
        self._top = _Segments(np.int16)
        self._light = _Segments(np.float32)
        self._mat = _Segments(np.int32)
        self._cls = _Segments(np.int32)
        self._inst = _Segments(np.int32)
        self._tint = _Segments(np.float32, (3,))
        self._boxes = _Segments(np.int32, (BOX_COLUMNS,))
        self._chunks = _Segments(np.int32, (10,))
        # per scene: its chunks' (boxes, n_opaque) once built (None before), the chunks edited since
        self._chunk_boxes: list[list | None] = [None] * len(scenes)
        self._stale: list[set[int]] = [set() for _ in scenes]
        self._edited = [False] * len(scenes)  # voxels differ from the VoxelScene's (its cached boxes are void)
        total = sum(s.bricks.shape[0] for s in scenes)
        self._pool = np.zeros((max(16, int(total * 1.25) + 16), self.brick**3), np.uint16)
        self._n_bricks = 0
        self._live_bricks = 0
        #: brick slots no scene references any more (a replaced scene's), handed out before new ones
        self._free = np.zeros(0, np.int64)
        self.materials = np.ascontiguousarray(material_array())
        self._opaque = self.materials[:, 8] >= 1.0
        self._empty_entities = None
        self._vis_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for i, s in enumerate(scenes):
            self._store(i, s)

    def __len__(self) -> int:
        return len(self.scenes)

    # ----------------------------------------------------------------- what the kernel reads
    cells = property(lambda self: self._cells.data, doc="int64 cell words of every scene (see pack_cells)")
    @property
    def words(self) -> np.ndarray:
        """The kernel's uint32 cell words (see :func:`cell_words`), brought up to date with ``cells``.

        Words are element-wise in the cells, so they are kept in step rather than re-derived: only the
        ranges written since the last call are (a new world is one range), storage growth keeps the
        words already derived (a grown segment store keeps every cell in place), and the compactions
        move or renumber the words as they do the cells. Why: re-deriving a 64-house batch's words
        took ~7 ms, after every compaction and growth, ~6% of the house vector env's time.
        """
        data = self._cells.data
        if len(self._words) != len(data):
            grown = np.zeros(len(data), np.uint32)  # cells past the old end are in the dirty ranges
            keep = min(len(data), len(self._words))
            grown[:keep] = self._words[:keep]
            self._words = grown
        for lo, hi in self._dirty:
            self._words[lo:hi] = cell_words(data[lo:hi])
        self._dirty = []
        return self._words

    def _cells_changed(self, lo: int, hi: int) -> None:
        """Flat range [lo, hi) of ``cells`` was written: re-derive those kernel words before a render."""
        self._dirty.append((lo, hi))

    top = property(lambda self: self._top.data, doc="int16 column tops of every scene")
    light = property(lambda self: self._light.data, doc="float32 room-light maps of every scene")
    part_material = property(lambda self: self._mat.data)
    part_class = property(lambda self: self._cls.data)
    part_instance = property(lambda self: self._inst.data)
    part_tint = property(lambda self: self._tint.data)
    boxes = property(lambda self: self._boxes.data, doc="int32 (i0, j0, k0, i1, j1, k1, part) boxes of every scene")
    chunks = property(lambda self: self._chunks.data, doc="int32 chunk tables of every scene (boxes.CH_* columns)")

    @property
    def pool(self) -> np.ndarray:
        """All bricks of all scenes, (capacity, B**3) uint16 (rows past the used count are spare)."""
        return self._pool

    @property
    def pool_flat(self) -> np.ndarray:
        """The brick pool as one flat array (what the kernel indexes)."""
        return self._pool.reshape(-1)

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

    # ----------------------------------------------------------------- packing
    def _store(self, i: int, s: VoxelScene) -> None:
        si, sf, st = self.scene_int[i], self.scene_float[i], s.style
        slots = self._add_bricks(s.bricks)
        coarse = s.coarse.astype(np.int64)
        coarse = np.where(coarse >= 0, slots[np.maximum(coarse, 0)] if len(slots) else coarse, coarse)
        si[SI_CX:SI_CZ + 1] = s.coarse.shape
        si[SI_B] = s.brick
        si[SI_SHIFT] = int(s.brick).bit_length() - 1
        si[SI_COARSE] = self._cells.put(i, pack_cells(coarse, s.octant).ravel())
        self._cells_changed(int(si[SI_COARSE]), int(si[SI_COARSE]) + coarse.size)
        si[SI_TOP] = self._top.put(i, s.top.ravel().astype(np.int16))
        si[SI_LIGHT] = self._light.put(i, s.light.ravel().astype(np.float32))
        si[SI_PART] = self._mat.put(i, s.parts.material)
        self._cls.put(i, s.parts.class_id)
        self._inst.put(i, s.parts.instance_id)
        self._tint.put(i, s.parts.tint)
        si[SI_GROUND_PART] = si[SI_PART] + st.ground_part
        si[SI_NPARTS] = len(s.parts)
        si[SI_BOX] = self._boxes.put(i, np.zeros((0, self._boxes.data.shape[1]), np.int32))
        si[SI_NBOX_OPAQUE] = 0
        si[SI_NBOX] = BOXES_NOT_BUILT
        si[SI_CHUNK] = self._chunks.put(i, np.zeros((0, 10), np.int32))
        si[SI_NCHUNK] = 0
        if i < len(self._chunk_boxes):
            self._chunk_boxes[i] = None
            self._stale[i] = set()
            self._edited[i] = False
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

    def _add_bricks(self, bricks: np.ndarray) -> np.ndarray:
        """Store ``bricks`` in free slots first (lowest first), then past the used end; returns their slots.

        Why: a vector env swaps houses all the time; reusing the replaced house's slots keeps the pool
        at the size of the live scenes without the compaction that used to copy it whole (~300 ms for
        64 houses, once per ~65 swaps).
        """
        n = bricks.shape[0]
        reuse = min(n, len(self._free))
        extra = n - reuse
        if self._n_bricks + extra > self._pool.shape[0]:
            grown = np.zeros((max(2 * self._pool.shape[0], self._n_bricks + extra), self._pool.shape[1]), np.uint16)
            grown[: self._n_bricks] = self._pool[: self._n_bricks]
            self._pool = grown
        slots = np.concatenate([self._free[:reuse], np.arange(self._n_bricks, self._n_bricks + extra, dtype=np.int64)])
        self._free = self._free[reuse:]
        if reuse:
            self._pool[slots] = bricks
        else:
            self._pool[self._n_bricks: self._n_bricks + n] = bricks
        self._n_bricks += extra
        self._live_bricks += n
        return slots

    def replace_scene(self, scene_index: int, scene: VoxelScene) -> None:
        """Put a new world in slot ``scene_index`` (e.g. one env of a vector env reset to a new house).

        Costs about one scene's worth of copying; the new scene's bricks take the old one's slots first,
        and the other storage is reclaimed by an occasional compaction once more than half is garbage.
        """
        self._check_scene(scene_index)
        if not isinstance(scene, VoxelScene):
            raise RenderError(f"scene is a {type(scene).__name__}, expected a VoxelScene")
        if scene.brick != self.brick:
            raise RenderError(f"scene brick size {scene.brick} differs from the batch's {self.brick}")
        old = self._cells.view(scene_index)
        freed = old[old >= 0]  # a copy: the new scene's cells may be written over the old ones
        self._live_bricks -= len(freed)
        self._free = np.sort(np.concatenate([self._free, freed]))
        self.scenes[scene_index] = scene
        self._store(scene_index, scene)
        self._empty_entities = None
        if self._n_bricks > 2 * self._live_bricks + 64:
            self._compact_pool()
        for seg in (self._cells, self._top, self._light, self._mat, self._cls, self._inst, self._tint, self._boxes,
                    self._chunks):
            if seg.garbage() > max(seg.used // 2, 64):
                self._compact_segments()
                break

    def _compact_pool(self) -> None:
        """Drop bricks no scene references any more and renumber the rest (in the cells and the words)."""
        cells = self._cells
        words = self.words  # derived from the old numbering, renumbered below like the cells
        live = np.zeros(self._n_bricks, bool)
        for i in range(len(self.scenes)):
            v = cells.view(i)
            live[v[v >= 0]] = True
        remap = np.cumsum(live) - 1
        kept = np.flatnonzero(live)
        pool = np.zeros((max(16, int(kept.size * 1.25) + 16), self._pool.shape[1]), np.uint16)
        pool[: kept.size] = self._pool[kept]
        for i in range(len(self.scenes)):
            v = cells.view(i)
            v[v >= 0] = remap[v[v >= 0]]
            w = words[cells.offset[i]: cells.offset[i] + cells.length[i]]
            held = (w & 15) == 0  # a word naming a brick (see cell_words)
            w[held] = (remap[w[held] >> 4] << 4).astype(np.uint32)
        self._pool, self._n_bricks, self._live_bricks = pool, int(kept.size), int(kept.size)
        self._free = np.zeros(0, np.int64)

    def _compact_segments(self) -> None:
        cells, words = self._cells, self.words
        live_words = [words[cells.offset[i]: cells.offset[i] + cells.length[i]].copy() for i in range(len(self.scenes))]
        for seg in (self._cells, self._top, self._light, self._mat, self._cls, self._inst, self._tint, self._boxes,
                    self._chunks):
            seg.compact()
        self._words = np.zeros(len(cells.data), np.uint32)
        for i, w in enumerate(live_words):  # the words move with their cells
            self._words[cells.offset[i]: cells.offset[i] + len(w)] = w
        for i in range(len(self.scenes)):
            si = self.scene_int[i]
            si[SI_COARSE], si[SI_TOP], si[SI_LIGHT] = self._cells.offset[i], self._top.offset[i], self._light.offset[i]
            si[SI_BOX] = self._boxes.offset[i]
            si[SI_CHUNK] = self._chunks.offset[i]
            ground = si[SI_GROUND_PART] - si[SI_PART]
            si[SI_PART] = self._mat.offset[i]
            si[SI_GROUND_PART] = si[SI_PART] + ground

    # ----------------------------------------------------------------- boxes for the raster path
    def boxes_ready(self, scene_indices, rebuild_stale: bool = True, budget: int | None = -1) -> np.ndarray:
        """Per scene of the batch, whether the raster path may draw it from boxes; brings the boxes of
        the scenes in ``scene_indices`` up to date first: built on first use, and after an edit
        (:meth:`set_voxels` / :meth:`replace_part`) only the chunks the edit touched are re-merged
        (a 16 x 16-column chunk of the voxel env: ~0.1-0.3 ms). ``rebuild_stale=False`` leaves edited
        scenes stale (not drawable) instead. Scenes with more than ``budget`` boxes (default
        ``boxes.MAX_RASTER_BOXES``; the ray caster is faster there) are reported not ready, and a
        first build stops as soon as it passes the budget (state ``BOXES_OVER_BUDGET``, kept through
        edits), so an over-budget scene costs a partial build once; ``budget=None`` builds every
        scene whole (``method="raster"``).
        """
        from . import boxes as boxes_module

        if budget == -1:
            budget = boxes_module.MAX_RASTER_BOXES
        nbox = self.scene_int[:, SI_NBOX]
        todo = (nbox == BOXES_NOT_BUILT) | ((nbox == BOXES_STALE) & rebuild_stale)
        if budget is None:
            todo |= nbox == BOXES_OVER_BUDGET
        if todo.any():
            wanted = np.asarray(scene_indices)
            for s in np.unique(wanted[todo[wanted]]).tolist():
                self._build_boxes(s, budget)
        ready = nbox >= 0
        return ready if budget is None else ready & (nbox <= budget)

    def _opaque_parts(self, s: int) -> np.ndarray:
        si = self.scene_int[s]
        opaque = self._opaque[self.part_material[si[SI_PART]: si[SI_PART] + si[SI_NPARTS]]].copy()
        opaque[0] = False
        return opaque

    def _chunk_width(self, s: int) -> int:
        from .boxes import chunk_width

        return chunk_width(float(self.scene_float[s, SF_VS]), int(self.scene_int[s, SI_B]))

    def _build_boxes(self, s: int, budget: int | None = None) -> None:
        from .boxes import assemble, chunk_boxes, chunk_columns, gather_region, scene_boxes

        si = self.scene_int[s]
        scene = self.scenes[s]
        width = self._chunk_width(s)
        chunks = self._chunk_boxes[s]
        if chunks is None:
            unedited = not self._edited[s]
            cached = scene.__dict__.get(_BOXES_ATTR) if unedited else None
            if cached is not None and cached[0] is None and (budget is None or budget > cached[1]):
                cached = None  # over a smaller budget than this one: build
            if cached is not None:
                chunks = cached[0]
            else:  # never built for this VoxelScene, or edited before its first build
                cells, _top, b = self._scene_views(s)
                chunks = scene_boxes(lambda x0, x1, z0, z1: gather_region(cells, self._pool, b, x0, x1, z0, z1),
                                     self._fine_shape(s), self._opaque_parts(s), width, budget)
                if unedited:
                    scene.__dict__[_BOXES_ATTR] = (chunks, budget)
            if chunks is None:
                si[SI_NBOX] = BOXES_OVER_BUDGET
                return
        else:  # re-merge only the chunks edited since the last build (the list may be a scene's cache)
            chunks = list(chunks)
            opaque = self._opaque_parts(s)
            shape = self._fine_shape(s)
            cells, _top, b = self._scene_views(s)
            for c in sorted(self._stale[s]):
                x0, x1, z0, z1 = chunk_columns(c, shape, width)
                chunks[c] = chunk_boxes(gather_region(cells, self._pool, b, x0, x1, z0, z1), opaque, x0, z0,
                                        band=width)
        self._chunk_boxes[s] = chunks
        self._stale[s] = set()
        boxes, n_opaque, table = assemble(chunks)
        si[SI_BOX] = self._boxes.put(s, boxes)
        si[SI_CHUNK] = self._chunks.put(s, table)
        si[SI_NCHUNK] = len(table)
        si[SI_NBOX_OPAQUE] = n_opaque
        si[SI_NBOX] = len(boxes)
        if self._boxes.garbage() > max(self._boxes.used // 2, 1 << 14):  # edits that grew a scene's boxes
            self._compact_segments()

    def _mark_edited(self, s: int, i: np.ndarray, k: np.ndarray) -> None:
        """Fine columns (i, k) of scene s changed: their chunks and those of their x/z neighbours (an
        edit at a chunk border can expose or hide a voxel of the next chunk) must be re-merged."""
        from .boxes import chunk_grid

        self._edited[s] = True
        if self.scene_int[s, SI_NBOX] != BOXES_OVER_BUDGET:
            self.scene_int[s, SI_NBOX] = BOXES_STALE
        if self._chunk_boxes[s] is None or len(i) == 0:
            return
        width = self._chunk_width(s)
        nx, _ny, nz = self._fine_shape(s)
        _ncx, ncz = chunk_grid((nx, 0, nz), width)
        i = np.asarray(i, np.int64)
        k = np.asarray(k, np.int64)
        ids = set()
        for di, dk in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)):
            ii = np.clip(i + di, 0, nx - 1) // width
            kk = np.clip(k + dk, 0, nz - 1) // width
            ids.update(np.unique(ii * ncz + kk).tolist())
        self._stale[s].update(ids)

    def _fine_shape(self, s: int) -> tuple[int, int, int]:
        si = self.scene_int[s]
        b = int(si[SI_B])
        return int(si[SI_CX]) * b, int(si[SI_CY]) * b, int(si[SI_CZ]) * b

    def _dense(self, s: int) -> np.ndarray:
        """The current fine voxels of scene s as a dense (nx, ny, nz) uint16 grid (edits included)."""
        cells, _top, b = self._scene_views(s)
        cx, cy, cz = cells.shape
        flat = cells.ravel()
        blocks = np.zeros((flat.size, b**3), np.uint16)
        has = flat >= 0
        blocks[has] = self._pool[flat[has]]
        blocks = blocks.reshape(cx, cy, cz, b, b, b).transpose(0, 3, 1, 4, 2, 5)
        return np.ascontiguousarray(blocks.reshape(cx * b, cy * b, cz * b))

    # ----------------------------------------------------------------- editing
    def _scene_views(self, s: int):
        si = self.scene_int[s]
        cdims = tuple(int(v) for v in si[SI_CX:SI_CZ + 1])
        b = int(si[SI_B])
        cells = self._cells.view(s).reshape(cdims)
        top = self._top.view(s).reshape(cdims[0] * b, cdims[2] * b)
        return cells, top, b

    def get_voxels(self, scene_index: int, ijk: np.ndarray) -> np.ndarray:
        """Part ids at fine voxel coordinates ``ijk`` (K, 3) of one scene (0 where empty)."""
        self._check_scene(scene_index)
        cells, _top, b = self._scene_views(scene_index)
        ijk = self._check_ijk(ijk, cells.shape, b)
        c = cells[ijk[:, 0] // b, ijk[:, 1] // b, ijk[:, 2] // b]
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
        cells, top, b = self._scene_views(scene_index)
        ijk = self._check_ijk(ijk, cells.shape, b)
        parts = np.broadcast_to(np.asarray(part_ids, np.int64), (len(ijk),))
        n_parts = int(self.scene_int[scene_index, SI_NPARTS])
        if len(parts) and (parts.min() < 0 or parts.max() >= n_parts):
            raise RenderError(f"part ids must lie in [0, {n_parts}) for scene {scene_index}")
        part_base = int(self.scene_int[scene_index, SI_PART])
        if len(ijk):
            self._mark_edited(scene_index, ijk[:, 0], ijk[:, 2])
        for (i, j, k), p in zip(ijk.tolist(), parts.tolist(), strict=True):
            ci, cj, ck = i // b, j // b, k // b
            brick = int(cells[ci, cj, ck])
            if brick < 0:
                if p == 0:
                    continue
                brick = self._new_brick()
                self._claim_brick(cells, (ci, cj, ck), brick)
                off = self._cells.offset[scene_index]
                self._cells_changed(off, off + cells.size)
                si = self.scene_int[scene_index]
                si[SI_YLO] = min(si[SI_YLO], cj * b)
                si[SI_YHI] = max(si[SI_YHI], (cj + 1) * b)
            self._pool[brick, ((i % b) * b + j % b) * b + k % b] = p
            opaque = p != 0 and self._opaque[self.part_material[part_base + p]]
            if opaque and top[i, k] <= j:
                top[i, k] = j + 1
            elif not opaque and top[i, k] == j + 1:
                top[i, k] = self._column_top(cells, b, i, k, j, part_base)

    def replace_part(self, scene_index: int, old_part: int, new_part: int) -> int:
        """Replace every voxel of ``old_part`` by ``new_part`` in one scene (e.g. hide a picked-up
        object by replacing it with 0). Returns the number of voxels changed. Column tops are
        recomputed for the touched columns."""
        self._check_scene(scene_index)
        cells, top, b = self._scene_views(scene_index)
        n_parts = int(self.scene_int[scene_index, SI_NPARTS])
        if not (0 < old_part < n_parts and 0 <= new_part < n_parts):
            raise RenderError(f"part ids must lie in [1, {n_parts}) (old) and [0, {n_parts}) (new)")
        bricks = cells[cells >= 0]
        sub = self._pool[bricks]
        hit = sub == old_part
        count = int(hit.sum())
        if count == 0:
            return 0
        sub[hit] = new_part
        self._pool[bricks] = sub
        where = np.argwhere(cells >= 0)
        part_base = int(self.scene_int[scene_index, SI_PART])
        touched = set()
        for (ci, _cj, ck), brick_hit in zip(where.tolist(), hit, strict=True):
            if brick_hit.any():
                loc = np.argwhere(brick_hit.reshape(b, b, b))
                for lx, _ly, lz in loc.tolist():
                    touched.add((ci * b + lx, ck * b + lz))
        for i, k in touched:
            top[i, k] = self._column_top(cells, b, i, k, cells.shape[1] * b - 1, part_base)
        cols = np.array(sorted(touched), np.int64).reshape(-1, 2)
        self._mark_edited(scene_index, cols[:, 0], cols[:, 1])
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
        return int(self._add_bricks(np.zeros((1, self._pool.shape[1]), np.uint16))[0])

    @staticmethod
    def _claim_brick(cells: np.ndarray, cell: tuple[int, int, int], brick: int) -> None:
        """Mark a coarse cell occupied and shorten the empty distances of the cells around it."""
        r = MAX_EMPTY_DISTANCE
        lo = [max(0, c - r + 1) for c in cell]
        hi = [min(n, c + r) for c, n in zip(cell, cells.shape, strict=True)]
        region = cells[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        octant = unpack_octants(region)
        gx, gy, gz = np.meshgrid(
            *[cell[a] - np.arange(lo[a], hi[a]) for a in range(3)], indexing="ij"
        )  # offset from each cell to the new brick
        d = np.maximum(np.maximum(np.abs(gx), np.abs(gy)), np.abs(gz)).astype(np.uint8)
        for o in range(8):
            ahead = (((gx >= 0) if o & 4 else (gx <= 0)) & ((gy >= 0) if o & 2 else (gy <= 0))
                     & ((gz >= 0) if o & 1 else (gz <= 0)))
            view = octant[..., o]
            view[ahead] = np.minimum(view[ahead], d[ahead])
        coarse = np.where(region >= 0, region, -1)
        coarse[tuple(c - lo_ for c, lo_ in zip(cell, lo, strict=True))] = brick
        region[...] = pack_cells(coarse, octant)

    def _column_top(self, cells, b, i, k, start_j, part_base) -> int:
        for j in range(start_j, -1, -1):
            brick = cells[i // b, j // b, k // b]
            if brick < 0:
                continue
            p = self._pool[brick, ((i % b) * b + j % b) * b + k % b]
            if p != 0 and self._opaque[self.part_material[part_base + p]]:
                return j + 1
        return 0
