"""The contract between a MineDojo task and the voxel world that runs it.

A :class:`TaskSpec` is plain data, expanded from MineDojo's ``tasks_specs.yaml`` by the task registry.
The world reads the *set-up* fields (biome, inventory, mobs, time of day, spawning) when it resets; the
task's success and reward rule reads the world's stats after every step. Field names follow MineDojo's
sim-spec keys so a reader can check one against the other.

NOTE FOR THE VOXEL WORLD (issue #5), added by the task-suite engineer (issue #6): the table resolves
MineDojo's per-class defaults, so the world applies these fields as plain values at reset:
``start_time`` (ticks of day at reset, None = the world's own start; combat "night" starts are 13000,
"always night" and harvest "night" 18000), ``allow_time_passage`` (False freezes the clock),
``allow_mob_spawn``, ``specified_biome``, ``initial_inventory``, ``initial_mobs`` placed uniformly in
``initial_mob_spawn_range_low/high`` (x, y, z offsets from the player). The fields after ``template``
(``use_reward_weights``, ``per_day_reward``, ``success_reward``) are read by the rules only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The inventory slots MineDojo's ``initial_inventory`` may name besides numbered inventory slots.
EQUIPMENT_SLOTS: tuple[str, ...] = ("mainhand", "offhand", "head", "chest", "legs", "feet")

#: Task categories. Programmatic ones have a success rule; creative and playthrough ones do not.
CATEGORIES: tuple[str, ...] = ("harvest", "combat", "techtree", "survival", "creative", "playthrough")


@dataclass(frozen=True)
class InventoryItem:
    """One entry of an initial inventory: ``slot`` is an equipment slot name or an inventory index."""

    slot: str | int
    name: str
    quantity: int = 1


@dataclass(frozen=True)
class TaskSpec:
    """Everything needed to set up and judge one MineDojo task id on the voxel world.

    ``target_names`` / ``target_quantities`` / ``reward_weights`` are aligned tuples, as MineDojo keeps
    them: a harvest target is an item name, a combat target a mob name, a techtree target an item that
    must be obtained and then used. ``None`` for biome or time means "whatever the world seed gives".
    """

    task_id: str
    category: str
    prompt: str
    guidance: str = ""
    target_names: tuple[str, ...] = ()
    target_quantities: tuple[int, ...] = ()
    reward_weights: tuple[float, ...] = ()
    initial_inventory: tuple[InventoryItem, ...] = ()
    initial_mobs: tuple[str, ...] = ()
    initial_mob_spawn_range_low: tuple[int, int, int] = (-7, 1, -7)
    initial_mob_spawn_range_high: tuple[int, int, int] = (7, 1, 7)
    specified_biome: str | None = None
    start_at_night: bool = False
    always_night: bool = False
    allow_mob_spawn: bool = True
    allow_time_passage: bool = True
    use_voxel: bool = True
    voxel_size: tuple[int, int, int, int, int, int] = (-1, -1, -1, 1, 1, 1)  # xmin, ymin, zmin, xmax, ymax, zmax
    #: survival: number of in-game days to stay alive (MineDojo's ``target_days``)
    target_days: int | None = None
    #: MineDojo template the id was expanded from, e.g. ``harvest_{quantity}_{target}``
    template: str = ""
    #: extra, template-specific settings kept verbatim so nothing from the yaml is lost
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    #: in-game time (ticks into the 24,000-tick day) at reset; ``None`` = the world's default start.
    #: MineDojo's classes set 13000 (combat, start at night) or 18000 (always night / harvest at night).
    start_time: int | None = None
    #: techtree: reward per use of each target item (MineDojo's ``use_items_reward_weights``, 10.0)
    use_reward_weights: tuple[float, ...] = ()
    #: survival: reward per in-game day survived, and the bonus once ``target_days`` is reached
    per_day_reward: float = 0.0
    success_reward: float = 0.0
