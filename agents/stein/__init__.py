"""Gradient estimators for discrete variables: REINFORCE, RLOO, DisARM and RODEO (Shi et al. 2022).

    from embodied_gym.agents.stein import RODEO
    est = RODEO(kind="bernoulli")                    # Gibbs operator; operator="mpf" / "difference"
    x = est.sample(logits, 2)
    est.surrogate(x, logits, f(x)).backward()        # logits' parents get the gradient estimate
"""

from embodied_gym.agents.stein.estimators import (
    ESTIMATORS,
    KINDS,
    RLOO,
    RODEO,
    DisARM,
    EstimatorInputError,
    GradientEstimator,
    Reinforce,
    categorical_logits,
    make_estimator,
)
from embodied_gym.agents.stein.operators import OPERATORS, UnknownOperatorError, operator_weights

__all__ = [
    "ESTIMATORS",
    "KINDS",
    "OPERATORS",
    "RLOO",
    "RODEO",
    "DisARM",
    "EstimatorInputError",
    "GradientEstimator",
    "Reinforce",
    "UnknownOperatorError",
    "categorical_logits",
    "make_estimator",
    "operator_weights",
]
