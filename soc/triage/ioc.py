"""Indicator hunts through triage: the entry ``soc ioc hunt`` calls; alerts enter through the normal intake.

Only wires ``soc.detect.ioc_hunt`` to ``soc.triage.intake.store_alerts`` (suppressions apply); never builds alerts.
"""

from __future__ import annotations

from datetime import datetime

from soc.config import Config
from soc.detect.ioc_hunt import Hunt
from soc.detect.ioc_hunt import hunt as run_hunt
from soc.store.registry import open_store
from soc.triage.intake import store_alerts


def hunt(cfg: Config, since: datetime | None, warning: str | None = None) -> Hunt:
    with open_store(cfg) as store:
        return run_hunt(store, store_alerts, since, warning=warning)
