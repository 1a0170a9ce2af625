"""Training configs (YAML) for `embodied-gym train --config` and scripts/train_shipped_policies.py."""
