"""Queue columns sized from content and terminal width (issue 17): a long system name is shown whole at 200
columns, rule titles are cut only by what the other columns' contents need, optional columns go first."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc.store.state import StateDB
from soc.tui.app import SocApp
from soc.tui.widgets.alert_grid import COLUMNS, OPTIONAL_COLUMNS, RULE_ROOM, AlertGrid
from soc.tui.widgets.column_widths import Column, layout
from tests.test_tui import make_alert, rendered, until
from tests.test_tui_vi import cfg_for

SYSTEM = "Hệ thống quản lý văn bản và điều hành tỉnh"  # 41 characters
TITLE = "Dò quét lỗ hổng SQL injection trên cổng dịch vụ công qua tham số tìm kiếm"  # 73 characters


def test_layout_fills_to_a_common_level_and_gives_the_rest_to_the_flexible_column() -> None:
    cols = [Column("a", "A", 4, 30), Column("rule", "Rule", 10, 100), Column("b", "B", 4, 30), Column("c", "C", 2, 6)]
    wanted = {"a": 8, "rule": 50, "b": 25, "c": 6}
    assert layout(cols, wanted, 200, "rule", 10) == [8, 155, 25, 6]  # all whole; the rest to the rule
    assert layout(cols, wanted, 80, "rule", 10) == [8, 35, 25, 6]  # the rule cut by what the others hold
    assert layout(cols, wanted, 50, "rule", 10) == [8, 15, 15, 6]  # the two longest cut to one level
    assert layout(cols, wanted, 50, "rule", 10, optional=("c",)) == [8, 19, 18, -1]  # optional column left out
    assert layout(cols, {"rule": 3}, 200, "rule", 10)[1] >= 10


def seed(cfg) -> None:
    db = StateDB(cfg.data_dir / "state.db")
    for n in range(3):
        db.upsert_alert(make_alert(n, system=SYSTEM if n == 2 else "Cổng thông tin", rule_title_vi=TITLE))
    db.close()


def widths(grid: AlertGrid) -> dict[str, int]:
    return {c.key: w for c, w in zip(COLUMNS, grid._widths(), strict=True)}


@pytest.mark.parametrize("size", [120, 200])
async def test_queue_columns_follow_content_and_width(tmp_path: Path, size: int) -> None:
    cfg = cfg_for(tmp_path, "vi")
    seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(size, 30)) as pilot:
        grid = app.screen.query_one(AlertGrid)
        await until(pilot, lambda: "Cổng thông tin" in rendered(grid) and widths(grid)["system"] > 14)
        shown, row = widths(grid), rendered(grid).splitlines()[1]  # alert 2 is the newest: first row
        assert sum(w + 1 for w in shown.values() if w >= 0) + 2 == size  # the whole width, no more
        assert shown["rule"] >= RULE_ROOM
        if size == 200:
            assert SYSTEM in row  # whole
            assert all(w >= 0 for w in shown.values())  # clock and case drawn too
            others = sum(w + 1 for k, w in shown.items() if k != "rule") + 2 + 1
            assert shown["rule"] == size - others  # the rule title takes everything the others leave
            assert shown["system"] == len(SYSTEM) and TITLE[:shown["rule"] - 1] in row
        else:
            assert [k for k, w in shown.items() if w < 0] == list(OPTIONAL_COLUMNS)  # clock, then case
            assert TITLE[:shown["rule"] - 1] in row and SYSTEM[:shown["system"] - 1] in row
            assert shown["system"] >= 20  # readable: cut to the same level as the rule title, not to a stub
