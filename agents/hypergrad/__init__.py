"""Hypergradient optimizers (Chandra et al. 2022): torch optimizers that learn their own hyper-parameters.

    from embodied_gym.agents.hypergrad import HyperAdam, HyperSGD
    opt = HyperAdam(model.parameters(), lr=1e-3, hyper=HyperSGD.spec(lr=1e-4, hyper=HyperSGD.spec(lr=1e-5)))
    loss.backward(); opt.step()   # a plain backward: no create_graph

See :mod:`embodied_gym.agents.hypergrad.base` for the rule and the parametrisation.
"""

from embodied_gym.agents.hypergrad.base import (
    AUTO,
    DEFAULT_HYPER_LR,
    HyperConfigError,
    HyperOptimizer,
    HyperSpec,
)
from embodied_gym.agents.hypergrad.optimizers import (
    OPTIMIZERS,
    HyperAdaGrad,
    HyperAdam,
    HyperRMSProp,
    HyperSGD,
    make_stack,
)

__all__ = [
    "AUTO",
    "DEFAULT_HYPER_LR",
    "OPTIMIZERS",
    "HyperAdaGrad",
    "HyperAdam",
    "HyperConfigError",
    "HyperOptimizer",
    "HyperRMSProp",
    "HyperSGD",
    "HyperSpec",
    "make_stack",
]
