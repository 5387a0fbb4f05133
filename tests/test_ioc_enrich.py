"""Indicators matched as logs arrive are read from the state once per ingest run: indicators imported before the run
mark the run's events in every batch, an expired one marks none, and one that expires during the run stops marking
from the next batch on (real CLI import, real ingest in small batches, real stored events)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from storekit import stored
from typer.testing import CliRunner

from soc.cli import app
from soc.demo import demo_config, generate
from soc.ingest.engine import ingest_paths
from soc.intel.enrich import Matcher
from soc.store.workspace import Enrichers

END = date(2026, 11, 24)
BATCH = 40  # lines per batch


def test_indicators_read_once_per_run_expired_never_match(tmp_path):
    cfg = replace(demo_config(tmp_path / "data"), chunk_lines=BATCH)
    logs = generate(tmp_path / "logs", days=1, end=END, volume=200)
    dvc = next(p for p in logs if "dvc" in str(p))
    addrs = [json.loads(ln)["remote_addr"] for ln in dvc.read_text("utf-8").splitlines()]
    assert len(addrs) > 3 * BATCH
    first, rest = addrs[:BATCH], addrs[BATCH:]
    ending = next(a for a in first if a in rest)  # seen in the first batch and after it
    live, old = [a for a in sorted(set(addrs)) if a != ending][:2]
    listing = tmp_path / "iocs.csv"
    listing.write_text("value,type,valid_until\n"
                       f"{live.replace('.', '[.]', 1)},ip,\n{old},ip,2026-01-01\n{ending},ip,2030-01-01\n", "utf-8")
    runner = CliRunner()
    env = {"SOC_DATA_DIR": None, "SOC_CONFIG": None, "SOC_ANALYST": None, "SOC_TIMEZONE": None}
    done = runner.invoke(app, ["--data-dir", str(cfg.data_dir), "ioc", "import", str(listing), "--warning", "1/CV"],
                         env=env)
    assert done.exit_code == 0, done.output

    calls: list[int] = []

    def clock() -> datetime:  # the first batch is read before 2030, every later one after
        calls.append(1)
        return datetime(2029, 12, 31, tzinfo=UTC) if len(calls) == 1 else datetime(2030, 1, 2, tzinfo=UTC)

    matcher = Matcher(clock)
    ingest_paths(cfg, [dvc], enrichers=Enrichers(rows=(matcher,)))
    assert matcher.loads == 1 and len(calls) >= 3  # one state read for every batch of the run

    marked = dict(stored(cfg, 'SELECT "source.ip", count(*) FROM events WHERE "soc.ioc.key" IS NOT NULL GROUP BY 1'))
    assert marked[live] == addrs.count(live)  # every batch
    assert old not in marked  # expired before the run
    assert marked[ending] == first.count(ending)  # only in the batch read before it expired
    warnings = stored(cfg, 'SELECT DISTINCT "soc.ioc.warnings" FROM events WHERE "soc.ioc.key" IS NOT NULL')
    assert warnings == [(["1/CV"],)]
