"""Train PPO / RecurrentPPO on any embodied_gym id: the script form of ``embodied-gym train``.

    python scripts/train_ppo.py embodied_gym/Tiles-4x4-v0 --timesteps 50000
    python scripts/train_ppo.py --config configs/ppo_tiles.yaml
"""

from __future__ import annotations

import argparse
import sys

from embodied_gym.agents.sb3 import train_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="train_ppo.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    train_command.configure(parser)
    return train_command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
