"""The Minecraft-like voxel world with MineDojo's spaces.

Modules (import them directly; this package imports nothing heavy):

* ``env`` -- :class:`VoxelEnv`, the Gymnasium env (MineDojo action/observation spaces, task set-up, rule hook)
* ``vector`` -- :class:`VoxelVectorEnv`, N worlds stepped together and rendered in one call
* ``world`` -- :class:`VoxelWorld`, state and rules (physics, mining, crafting, mobs, stats, save/restore)
* ``spaces`` -- the action/observation spaces, action validation, name ids <-> MineDojo names
* ``observe`` -- MineDojo's observation dict from a world; ``scene`` -- the adapter to ``envs/render``
* ``physics`` -- numba kernels (movement, ray casts, mobs); ``mobs`` -- mob kinds; ``inventory``
* ``tasks/`` -- MineDojo task ids, specs and success rules (the task registry)
"""
