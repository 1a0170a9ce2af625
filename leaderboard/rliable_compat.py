"""Import rliable where its ``arch`` dependency cannot import in full.

rliable pins ``arch<8``, and arch 7's package ``__init__`` imports its time-series models, whose
decorators break under pandas 3 (``deprecate_kwarg() missing ... 'new_arg_name'``). rliable only
needs ``arch.bootstrap``, which does not touch those models. When the plain import fails that way,
:func:`rliable_modules` registers ``arch`` as a bare namespace (its real folder, without running its
``__init__``) so ``arch.bootstrap`` imports on its own; with a working arch nothing is changed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


def _bare_arch() -> None:
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("rliable needs the 'arch' package; install embodied-gym[viz]")
    for name in [m for m in sys.modules if m == "arch" or m.startswith("arch.")]:
        del sys.modules[name]
    module = types.ModuleType("arch")
    module.__path__ = list(spec.submodule_search_locations)
    module.__file__ = spec.origin
    sys.modules["arch"] = module


def rliable_modules() -> tuple[Any, Any]:
    """``(rliable.library, rliable.metrics)``."""
    try:
        library = importlib.import_module("rliable.library")
    except TypeError:
        _bare_arch()
        sys.modules.pop("rliable.library", None)
        library = importlib.import_module("rliable.library")
    metrics = importlib.import_module("rliable.metrics")
    return library, metrics
