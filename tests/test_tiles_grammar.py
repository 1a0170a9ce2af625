"""The board grammar: rendering, descriptions, >= 5,000 distinct boards, compressibility, control boards."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.envs.tiles import grammar as g
from embodied_gym.envs.tiles.boards import board_set
from embodied_gym.envs.tiles.compressibility import minimal_program_length
from embodied_gym.envs.tiles.control import board_statistics, fit_pairwise_maxent


def test_render_known_programs():
    assert g.render(("row", 0)) == 0b1111
    assert g.render(("col", 3)) == (1 << 3) | (1 << 7) | (1 << 11) | (1 << 15)
    assert g.render(("diag",)) == sum(1 << (5 * i) for i in range(4))
    np.testing.assert_array_equal(g.mask_to_board(g.render(("mirror_lr", ("dot", 1, 0)))),
                                  [[0, 0, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(g.mask_to_board(g.render(("repeat", ("col", 0), 0, 2, 2))),
                                  [[1, 0, 1, 0]] * 4)
    np.testing.assert_array_equal(g.mask_to_board(g.render(("frame", 0, 0, 3, 3)))[:3, :3],
                                  [[1, 1, 1], [1, 0, 1], [1, 1, 1]])
    assert g.render(("pen", 0, 3, "SW", 4)) == g.render(("antidiag",))
    assert g.render(("invert", ("row", 0))) == g.FULL_MASK & ~0b1111
    assert g.board_to_mask(g.mask_to_board(12345)) == 12345


@pytest.mark.parametrize("bad", [("row", 4), ("rect", 2, 2, 3, 1), ("pen", 0, 0, "N", 2), ("spiral",),
                                 ("union", ("row", 0)), ("repeat", ("row", 0), 0, 0, 2), ()])
def test_bad_programs_raise(bad):
    with pytest.raises(g.GrammarError):
        g.render(bad)


def test_program_text_length_and_description():
    program = ("union", ("row", 0), ("mirror_lr", ("dot", 2, 0)))
    assert g.to_text(program) == "(union (row 0) (mirror_lr (dot 2 0)))"
    assert g.program_length(program) == 7
    text = g.describe(program)
    assert "top row" in text and "mirror image from left to right" in text and text.endswith(".")
    assert g.describe(("invert", ("col", 0))).startswith("Every tile is red except the leftmost column")


def test_grammar_yields_at_least_5000_distinct_boards_deterministically():
    boards = g.sample_boards(5000, seed=0)
    masks = [b.mask for b in boards]
    assert len(set(masks)) == 5000
    assert all(g.valid_mask(m) and g.render(b.program) == m for m, b in zip(masks, boards, strict=True))
    assert [b.mask for b in g.sample_boards(50, seed=0)] == masks[:50]
    assert [b.mask for b in g.sample_boards(50, seed=1)] != masks[:50]


def test_minimal_program_length():
    row0, col0 = g.render(("row", 0)), g.render(("col", 0))
    lengths = minimal_program_length([row0, row0 | col0, g.FULL_MASK & ~row0])
    np.testing.assert_array_equal(lengths, [2, 5, 3])  # (row 0); (union (row 0) (col 0)); (invert (row 0))
    pool = g.board_pool()[:300]
    found = minimal_program_length([b.mask for b in pool])
    assert (found <= np.array([g.program_length(b.program) for b in pool])).all()
    with pytest.raises(ValueError):
        minimal_program_length([0])


def test_control_boards_match_statistics_but_compress_worse():
    grammar_boards = board_set("grammar")
    control = board_set("control")
    gm, gp = board_statistics(grammar_boards.masks)
    cm, cp = board_statistics(control.masks)
    assert np.abs(gm - cm).max() < 0.02, "tile marginals"
    assert np.abs(gp - cp).max() < 0.02, "pairwise co-occurrences"
    assert not np.isin(control.masks, grammar_boards.masks).any()
    g_len = minimal_program_length(grammar_boards.masks[:400]).mean()
    c_len = minimal_program_length(control.masks[:400]).mean()
    assert c_len > g_len + 1.5, (g_len, c_len)


def test_maxent_fit_reproduces_moments():
    rng = np.random.default_rng(0)
    masks = np.array([m for m in rng.integers(1, 1 << 16, 3000) if g.valid_mask(int(m))])
    model = fit_pairwise_maxent(masks)
    for a, b in zip(model.statistics(), board_statistics(masks), strict=True):
        assert np.abs(a - b).max() < 1e-3
