"""The leaderboard as a console table and as a static HTML page (Jinja2, matplotlib, GIFs).

The page is self-contained in its folder (``index.html`` + ``plots/`` + ``media/``), needs no server
and loads nothing from the network, so it can be opened from disk, attached to CI or published as is.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from embodied_gym.leaderboard.metrics import (
    AGGREGATE_LABELS,
    AGGREGATES,
    PROFILE_TAUS,
    AgentResult,
    leaderboard_results,
)
from embodied_gym.leaderboard.runner import slug
from embodied_gym.leaderboard.store import ResultsStore
from embodied_gym.leaderboard.suites import Suite, SuiteError

# One colour per agent, in leaderboard order (colour-blind friendly palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


@dataclass
class Leaderboard:
    suite: Suite
    results: list[AgentResult]
    db_path: Path
    #: every evaluation run of this suite (agent, backend, host, started, finished, status, episodes)
    runs: list[dict] = field(default_factory=list)


def load_leaderboard(db_path: str | Path, suite_name: str, version: str | None = None,
                     reps: int = 2000) -> Leaderboard:
    """Read every agent's episodes of one suite from the store and compute the metrics."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no results store at {db_path}; run `embodied-gym evaluate` first")
    with ResultsStore(db_path) as store:
        row = store.suite_row(suite_name, version)
        if row is None:
            raise SuiteError(f"the store at {db_path} has no results for suite {suite_name!r}"
                             + (f" version {version!r}" if version else ""))
        suite = store.suite_from_row(row)
        episodes = [dict(e) for e in store.episodes(suite_id=int(row["id"]))]
        names = {int(a["id"]): a["name"] for a in store.agents()}
        runs = [{**dict(r), "agent": names.get(int(r["agent_id"]), "?")} for r in store.runs()
                if int(r["suite_id"]) == int(row["id"])]
    # One row per agent name: when a name was evaluated as several versions (e.g. a retrained
    # checkpoint: same name, new fingerprint), the most recently registered version stands.
    latest: dict[str, int] = {}
    for e in episodes:
        latest[e["agent_name"]] = max(latest.get(e["agent_name"], -1), int(e["agent_id"]))
    by_agent: dict[str, list[dict]] = {}
    for e in episodes:
        if int(e["agent_id"]) == latest[e["agent_name"]]:
            by_agent.setdefault(e["agent_name"], []).append(e)
    return Leaderboard(suite=suite, results=leaderboard_results(suite, by_agent, reps=reps), db_path=db_path,
                       runs=runs)


def format_table(board: Leaderboard) -> str:
    """The leaderboard as a fixed-width text table (what ``embodied-gym leaderboard`` prints)."""
    headers = ["#", "agent", "episodes", "success IQM [95% CI]", "success mean [95% CI]",
               "SPL/success mean [95% CI]", "opt. gap"]
    rows = []
    for rank, r in enumerate(board.results, 1):
        agg = r.aggregates
        if agg:
            cells = [agg["success"]["iqm"].fmt(), agg["success"]["mean"].fmt(), agg["score"]["mean"].fmt(),
                     f"{agg['success']['optimality_gap'].point:.2f}"]
        else:
            cells = ["(incomplete)", "", "", ""]
        rows.append([str(rank), r.agent, f"{r.episodes}/{r.planned}", *cells])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = [f"suite {board.suite.name} v{board.suite.version}: {len(board.suite.tasks)} tasks x "
             f"{board.suite.episodes_per_task} episodes",
             "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    task_lines = ["", "per task: success rate (mean return)"]
    for task in board.suite.tasks:
        parts = []
        for r in board.results:
            t = r.tasks.get(task.task_id)
            parts.append(f"{r.agent} {t.success.point:.2f} ({t.mean_return:.1f})" if t else f"{r.agent} -")
        task_lines.append(f"  {task.task_id}: " + ", ".join(parts))
    return "\n".join(lines + task_lines)


# -- plots -------------------------------------------------------------------------------------------
def _plot_aggregates(results: Sequence[AgentResult], score: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in results if r.aggregates]
    fig, axes = plt.subplots(1, len(AGGREGATES), figsize=(3.2 * len(AGGREGATES), 0.55 * len(done) + 1.4),
                             sharey=True)
    for ax, agg in zip(axes, AGGREGATES, strict=True):
        for i, r in enumerate(done):
            est = r.aggregates[score][agg]
            color = PALETTE[i % len(PALETTE)]
            ax.barh(i, est.high - est.low, left=est.low, height=0.6, color=color, alpha=0.75)
            ax.vlines(est.point, i - 0.3, i + 0.3, color="black", linewidth=1.5)
            ax.plot(est.point, i, "o", color=color, markersize=5, markeredgecolor="black", markeredgewidth=0.6)
        ax.set_title(AGGREGATE_LABELS[agg], fontsize=11)
        ax.set_xlim(-0.03, 1.03)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right", "left"]].set_visible(False)
    axes[0].set_yticks(range(len(done)), [r.agent for r in done])
    axes[0].invert_yaxis()
    label = "success rate" if score == "success" else "SPL (success where no SPL)"
    fig.supxlabel(f"{label}: point estimate and stratified-bootstrap 95% CI", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_profiles(results: Sequence[AgentResult], score: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for i, r in enumerate(r for r in results if r.profiles):
        profile, low, high = r.profiles[score]
        color = PALETTE[i % len(PALETTE)]
        ax.plot(PROFILE_TAUS, profile, color=color, linewidth=2, label=r.agent)
        ax.fill_between(PROFILE_TAUS, low, high, color=color, alpha=0.2)
    ax.set_xlabel(r"score threshold $\tau$ (SPL, or success)")
    ax.set_ylabel(r"fraction of episodes with score > $\tau$")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_per_task(board: Leaderboard, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [t.task_id for t in board.suite.tasks]
    n_agents = max(1, len(board.results))
    fig, ax = plt.subplots(figsize=(max(6.4, 1.1 * len(tasks) * n_agents * 0.5 + 2), 3.8))
    width = 0.8 / n_agents
    x = np.arange(len(tasks))
    for i, r in enumerate(board.results):
        pts, lo, hi = [], [], []
        for tid in tasks:
            t = r.tasks.get(tid)
            pts.append(t.success.point if t else np.nan)
            lo.append(t.success.point - t.success.low if t else 0)
            hi.append(t.success.high - t.success.point if t else 0)
        ax.bar(x + (i - (n_agents - 1) / 2) * width, pts, width, yerr=[lo, hi], capsize=3,
               color=PALETTE[i % len(PALETTE)], label=r.agent)
    ax.set_xticks(x, [tid.removeprefix("embodied_gym/") for tid in tasks], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("success rate (95% CI)")
    ax.set_ylim(0, 1.05)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, ncols=min(4, n_agents))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- HTML --------------------------------------------------------------------------------------------
def _template():  # type: ignore[no-untyped-def]
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def write_html(board: Leaderboard, out_dir: str | Path,
               extra_images: Sequence[tuple[str, Path]] = ()) -> Path:
    """Write ``index.html`` with its plots and GIFs into ``out_dir``; returns the page's path.

    ``extra_images``: (caption, path) shown in a gallery (e.g. floor plans of the generated houses);
    copied into ``out_dir/extra`` unless already inside ``out_dir``.
    """
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    plots: dict[str, str] = {}
    if any(r.aggregates for r in board.results):
        for score in ("success", "score"):
            _plot_aggregates(board.results, score, out_dir / "plots" / f"aggregates_{score}.png")
            plots[f"aggregates_{score}"] = f"plots/aggregates_{score}.png"
        _plot_profiles(board.results, "score", out_dir / "plots" / "profiles.png")
        plots["profiles"] = "plots/profiles.png"
    if board.results:
        _plot_per_task(board, out_dir / "plots" / "per_task.png")
        plots["per_task"] = "plots/per_task.png"

    # GIF paths are stored relative to the store's folder; copy them when the page lives elsewhere.
    src_root = board.db_path.parent.resolve()
    gifs: dict[tuple[str, str], str] = {}
    for r in board.results:
        for tid, t in r.tasks.items():
            if not t.gif:
                continue
            src = src_root / t.gif
            if not src.is_file():
                continue
            rel = Path("media") / slug(r.agent) / f"{slug(tid)}.gif"
            dst = out_dir / rel
            if src.resolve() != dst.resolve():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
            gifs[(r.agent, tid)] = rel.as_posix()

    gallery = []
    for caption, img in extra_images:
        img = Path(img)
        try:
            rel = img.resolve().relative_to(out_dir.resolve())
        except ValueError:
            rel = Path("extra") / img.name
            (out_dir / "extra").mkdir(exist_ok=True)
            shutil.copyfile(img, out_dir / rel)
        gallery.append((caption, rel.as_posix()))

    page = _template().render(
        gallery=gallery,
        runs=board.runs,
        suite=board.suite,
        results=board.results,
        aggregates=AGGREGATES,
        aggregate_labels=AGGREGATE_LABELS,
        plots=plots,
        gifs=gifs,
        palette=PALETTE,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        db_name=html.escape(board.db_path.name),
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
