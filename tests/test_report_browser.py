"""Open the HTML leaderboard in headless Chromium (Debian's, driven by Playwright): it renders,
sorts and shows its images, with no console errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from embodied_gym.leaderboard.report import load_leaderboard, write_html
from embodied_gym.leaderboard.runner import evaluate
from leaderboard_toy_env import toy_suite

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    suite = toy_suite(episodes=3)
    for spec in ("random", "leaderboard_toy_env:greedy"):
        evaluate(suite, spec, out / "results.sqlite", progress=False)
    return write_html(load_leaderboard(out / "results.sqlite", "toy", reps=200), out).as_uri()


def test_report_renders_sorts_and_shows_images(page_url):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto(page_url)
            page.wait_for_load_state("load")

            assert page.title().startswith("embodied-gym leaderboard")
            agents = page.locator("#main-table tbody td.agent").all_inner_texts()
            assert [a.strip() for a in agents] == ["greedy", "random"]

            # images: every plot and GIF decoded with a real size
            page.evaluate("() => Promise.all([...document.images].map(i => i.decode ? i.decode().catch(() => null) : null))")
            sizes = page.evaluate("() => [...document.images].map(i => [i.getAttribute('src'), i.naturalWidth])")
            assert len(sizes) >= 4 + 2 * 2  # 4 plots + a GIF per agent and task
            assert all(w > 0 for _, w in sizes), sizes
            assert any(src.endswith(".gif") for src, _ in sizes)

            # sorting: click "Agent" (ascending then descending), then "Success mean" ascending
            header = page.locator("#main-table th", has_text="Agent")
            header.click()
            assert header.get_attribute("aria-sort") == "ascending"
            assert [a.strip() for a in page.locator("#main-table tbody td.agent").all_inner_texts()] == ["greedy", "random"]
            header.click()
            assert header.get_attribute("aria-sort") == "descending"
            assert [a.strip() for a in page.locator("#main-table tbody td.agent").all_inner_texts()] == ["random", "greedy"]
            page.locator("#main-table th", has_text="Success mean").click()
            values = page.eval_on_selector_all("#main-table tbody tr td:nth-child(5)",
                                               "cells => cells.map(c => parseFloat(c.dataset.value))")
            assert values == sorted(values) and values[0] < values[-1]

            page.screenshot(path=str(Path(page_url.removeprefix("file://")).parent / "screenshot.png"), full_page=True)
            assert problems == []
        finally:
            browser.close()
