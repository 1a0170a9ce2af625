"""Shipped SB3 policies (zip + metadata JSON) that `embodied-gym run` evaluates as the "ppo" agent."""
