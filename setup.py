"""Maps the repository root onto the import package ``embodied_gym``.

pyproject.toml cannot express "the root is the package and its sub-folders are its sub-packages"
without listing every sub-package by hand, so the list is computed here from the folders that hold
an ``__init__.py``.
"""

from setuptools import find_packages, setup

SUBPACKAGE_ROOTS = ("procgen", "envs", "rewards", "agents", "leaderboard")

subpackages = [
    name for name in find_packages(where=".") if name.split(".")[0] in SUBPACKAGE_ROOTS
]

setup(
    packages=["embodied_gym"] + [f"embodied_gym.{name}" for name in subpackages],
    package_dir={"embodied_gym": "."},
)
