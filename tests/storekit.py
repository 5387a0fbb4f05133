"""Reading back what a test stored: SQL over the real embedded store's ``events`` view."""

from __future__ import annotations

from typing import Any

from soc.store import EventStore


def stored(cfg, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` run over the stored events (view ``events``)."""
    con = EventStore(cfg.data_dir).open_events()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def stored_dicts(cfg, sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` over the stored events, as dicts keyed by column name."""
    con = EventStore(cfg.data_dir).open_events()
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
