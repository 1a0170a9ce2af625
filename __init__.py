"""embodied-gym: Gymnasium environments for embodied agents.

Importing this package registers every ``embodied_gym/...`` gym id (Gymnasium 1.x has no plugin entry
points), so ``import embodied_gym; gymnasium.make("embodied_gym/House-ObjectNav-v0")`` works, as does
``gymnasium.register_envs(embodied_gym)``. Nothing heavy is imported here: registration only stores entry
point strings, and torch, numba kernels and the worlds load when an env is made.
"""

from embodied_gym.envs.registration import register_all as _register_all

__version__ = "0.1.0"

_register_all()

__all__ = ["__version__", "tasks"]


def __getattr__(name: str):
    # lazy public helpers: importing them here would load their modules on every `import embodied_gym`
    if name == "tasks":
        from embodied_gym.envs.voxel.tasks.registry import tasks

        return tasks
    raise AttributeError(f"module 'embodied_gym' has no attribute {name!r}")
