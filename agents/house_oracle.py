"""A shortest-path oracle for the house tasks: privileged state in, ordinary actions out.

It reads the episode's goal region and geodesic distance field from the env (privileged), plans
with A* over the lattice of poses the agent can actually reach with its own actions (0.25 m moves
along 30-degree headings — so the plan never asks for a move the world would refuse), then turns
and tilts the camera toward the target and calls Done once the task's own success test passes.
Solving an episode this way proves it solvable; the leaderboard uses it as the top baseline.

Interface (the leaderboard's): ``reset(env, task_id, seed)`` then ``act(observation, info)``.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import gymnasium as gym
from embodied_gym.envs.house.tasks import _nearest_point_distance

MAX_EXPANSIONS = 200_000
#: Weighted A*: inflating the heuristic trades a few percent of path length for far fewer expansions.
HEURISTIC_WEIGHT = 1.5
MAX_GOAL_RETRIES = 6


class HouseOracle:
    """Plans over (x, z, heading) with MoveAhead / RotateLeft / RotateRight and finishes with look-at."""

    def reset(self, env: gym.Env, task_id: str = "", seed: int = 0) -> None:
        self.env = env.unwrapped
        self.plan: list[str] = []
        self.bad_cells: set[tuple[int, int]] = set()
        self.retries = 0
        self.look_steps = 0

    # ------------------------------------------------------------------ helpers
    @property
    def sim(self):
        return self.env.sim

    def _action(self, name: str) -> int:
        actions = self.sim.actions
        if name not in actions:
            raise RuntimeError(f"house oracle needs action {name!r}; the env offers {actions}")
        return actions.index(name)

    def _key(self, x: float, z: float, h: int) -> tuple[int, int, int]:
        # Poses in the same 5 cm floor cell with the same heading count as one search state; the
        # executed path may drift by < 5 cm from the planned one, so a refused move triggers a replan.
        i, j = self.sim.world.floor.to_cell(x, z)
        return (i, j, h)

    def _plan_to_goal(self) -> list[str]:
        """A* over poses; goal = a free cell in the goal region (distance field 0) not marked bad."""
        sim = self.sim
        w = sim.world
        fm = w.floor
        field = sim.goal.distance_field
        step = w.agent_config.grid_size
        rot = w.agent_config.rotate_step_degrees
        n_head = int(round(360 / rot))
        h0 = int(round(w.agent.rotation / rot)) % n_head
        start = (w.agent.x, w.agent.z, h0)

        def dist(x: float, z: float) -> float:
            i, j = fm.to_cell(x, z)
            if not (0 <= i < field.shape[0] and 0 <= j < field.shape[1]):
                return math.inf
            return float(field[i, j])

        def is_goal(x: float, z: float) -> bool:
            return dist(x, z) <= 0.0 and fm.to_cell(x, z) not in self.bad_cells

        open_heap: list[tuple[float, int, tuple[float, float, int]]] = []
        came: dict[tuple[int, int, int], tuple[tuple[int, int, int] | None, str, tuple[float, float, int]]] = {}
        g: dict[tuple[int, int, int], float] = {}
        k0 = self._key(*start)
        came[k0] = (None, "", start)
        g[k0] = 0.0
        counter = 0
        heapq.heappush(open_heap, (HEURISTIC_WEIGHT * dist(start[0], start[1]) / step, counter, start))
        expansions = 0
        while open_heap and expansions < MAX_EXPANSIONS:
            _, _, state = heapq.heappop(open_heap)
            x, z, h = state
            k = self._key(x, z, h)
            expansions += 1
            if is_goal(x, z):
                actions = []
                while came[k][0] is not None:
                    prev, act, _ = came[k]
                    actions.append(act)
                    k = prev
                return actions[::-1]
            succ = []
            th = math.radians(h * rot)
            nx_, nz_ = x + step * math.sin(th), z + step * math.cos(th)
            if fm.path_is_free(w.blocked, x, z, nx_, nz_):
                succ.append(("MoveAhead", (nx_, nz_, h)))
            succ.append(("RotateLeft", (x, z, (h - 1) % n_head)))
            succ.append(("RotateRight", (x, z, (h + 1) % n_head)))
            for act, s2 in succ:
                k2 = self._key(*s2)
                g2 = g[k] + 1.0
                if g2 < g.get(k2, math.inf):
                    d = dist(s2[0], s2[1])
                    if not math.isfinite(d):
                        continue
                    g[k2] = g2
                    came[k2] = (k, act, s2)
                    counter += 1
                    heapq.heappush(open_heap, (g2 + HEURISTIC_WEIGHT * d / step, counter, s2))
        return []

    def _look_action(self) -> str | None:
        """Turn / tilt toward the nearest target; None when already looking at it."""
        sim = self.sim
        w = sim.world
        targets = [w.by_id[i] for i in sim.goal.target_ids if not w.by_id[i].is_picked_up]
        if not targets:
            return None
        cam = w.camera_position
        here = w.floor.room_at(w.agent.x, w.agent.z)
        same_room = [o for o in targets if w.floor.room_at(o.position[0], o.position[2]) == here]
        t = min(same_room or targets, key=lambda o: _nearest_point_distance(cam, o))
        dx, dy, dz = t.position - cam
        want_yaw = math.degrees(math.atan2(dx, dz)) % 360
        diff = (want_yaw - w.agent.rotation + 180) % 360 - 180
        rot = w.agent_config.rotate_step_degrees
        if abs(diff) > rot / 2:
            return "RotateRight" if diff > 0 else "RotateLeft"
        want_pitch = math.degrees(math.atan2(-dy, math.hypot(dx, dz)))
        hstep = w.agent_config.horizon_step_degrees
        target_h = min(max(round(want_pitch / hstep) * hstep, w.agent_config.min_horizon), w.agent_config.max_horizon)
        if target_h > w.agent.horizon + 1e-6 and "LookDown" in sim.actions:
            return "LookDown"
        if target_h < w.agent.horizon - 1e-6 and "LookUp" in sim.actions:
            return "LookUp"
        return None

    # ------------------------------------------------------------------ act
    def act(self, observation: Any, info: dict[str, Any]) -> int:
        sim = self.sim
        w = sim.world
        if sim.task.success(w, sim.goal):
            return self._action("Done")
        if not w.last_action_success and w.last_action == "MoveAhead":
            self.plan = []  # drifted off the planned path into an obstacle: plan again from here
        if not self.plan:
            here = sim.task.geodesic(w, sim.goal, w.agent.x, w.agent.z)
            if here <= 0.0 and w.floor.to_cell(w.agent.x, w.agent.z) not in self.bad_cells:
                look = self._look_action() if sim.goal.target_ids else None
                if look is not None and self.look_steps < 8:
                    self.look_steps += 1
                    return self._action(look)
                if not sim.goal.target_ids:  # PointNav / RoomNav: being in the region is success
                    return self._action("Done")
                # aligned but not visible (occluded or out of frame): try another goal cell
                self.bad_cells.add(w.floor.to_cell(w.agent.x, w.agent.z))
                self.retries += 1
                self.look_steps = 0
                if self.retries > MAX_GOAL_RETRIES:
                    return self._action("Done")
            self.plan = self._plan_to_goal()
            self.look_steps = 0
            if not self.plan:
                return self._action("Done")
        return self._action(self.plan.pop(0))
