"""The indicators screen (``I``): kept indicators with warning, TLP and expiry, ``w`` steps the warning filter;
and the alert page of a hunt alert showing the indicator and the warning that named it, in en and vi."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from test_tui import rendered, settle, until

from soc.demo import demo_config, generate
from soc.enrich.pipeline import ingest_paths
from soc.intel.load import import_file
from soc.store.registry import open_store
from soc.store.state import StateDB
from soc.timefmt import parse_when
from soc.triage.ioc import hunt
from soc.tui.app import SocApp
from soc.tui.screens.alert import AlertScreen
from soc.tui.screens.indicators import IndicatorsScreen


def _province(tmp_path: Path):
    cfg = demo_config(tmp_path / "data")
    logs = generate(tmp_path / "logs", days=1, end=date(2026, 11, 24), volume=150)
    ingest_paths(cfg, logs)
    dvc = next(p for p in logs if "dvc" in str(p))
    ip = dvc.read_text("utf-8").split('"remote_addr":"', 1)[1].split('"', 1)[0]
    a = tmp_path / "a.csv"
    a.write_text(f"value,type,valid_until\n{ip.replace('.', '[.]')},ip,\nold-c2[.]example,domain,2020-01-01\n",
                 "utf-8")
    b = tmp_path / "b.txt"
    b.write_text("hxxp://\x1b[31mevil[.]example/x\n", "utf-8")
    with open_store(cfg) as store:
        import_file(store.state, a, warning="123/CV-A05", source="A05", tlp="amber")
        import_file(store.state, b, warning="77/CV-NCSC")
    hunt(cfg, parse_when("2026-11-01", cfg.timezone))
    return cfg, ip


async def test_indicators_screen_and_alert_context(tmp_path: Path) -> None:
    cfg, ip = _province(tmp_path)
    db = StateDB(cfg.data_dir / "state.db")
    [alert] = [a for a in db.alerts() if a["rule_id"] == "soc-ioc-hunt"]
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await pilot.press("I")
        await until(pilot, lambda: isinstance(app.screen, IndicatorsScreen)
                    and "old-c2" in rendered(app.screen.query_one("#indicators")))
        table = rendered(app.screen.query_one("#indicators"))
        assert ip in table and "123/CV-A05" in table and "77/CV-NCSC" in table and "(expired)" in table
        assert "AMBER" in table and "\x1b" not in table
        await pilot.press("w")  # the first warning only
        await settle(pilot)
        table = rendered(app.screen.query_one("#indicators"))
        assert "123/CV-A05" in table and "77/CV-NCSC" not in table
        await pilot.press("ctrl+t")
        await pilot.press("escape")
        await settle(pilot)
        app.push_screen(AlertScreen(app.source, alert["id"], app.zone))
        await until(pilot, lambda: isinstance(app.screen, AlertScreen) and "123/CV-A05" in rendered(
            app.screen.query_one("#page-ioc")))
        shown = rendered(app.screen.query_one("#page-ioc"))
        assert ip in shown and "A05" in shown and ("nêu tại cảnh báo" in shown or "named by warning" in shown)
