"""``soc store init | check | copy``: prepare a cluster store, say what is missing, move an embedded store into it.

Never prints a credential; ``copy`` never changes the source store and can be run again after an interruption.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soc.commands.common import HELP, fail, load_config, out, read_config, shown

app = typer.Typer(help="Prepare and check a cluster store; copy the embedded store into one.", no_args_is_help=True,
                  context_settings=HELP)


def _cluster(cfg):  # type: ignore[no-untyped-def]
    # the stage loads with its command: `soc --help` never loads the cluster clients
    from soc.store.registry import CLUSTER_KINDS, open_store

    if cfg.store not in CLUSTER_KINDS:
        fail(f"[store] kind is {cfg.store!r}: `soc store init/check` are for kind = \"elasticsearch\" or "
             "\"opensearch\" (set it in soc.toml)")
    return open_store(cfg)


@app.command("init")
def init_cmd() -> None:
    """Create (or bring up to date) the index templates, lifecycle policy and state indices; safe to repeat."""
    from soc.store.cluster import schema
    from soc.store.cluster.connection import ClusterError

    cfg = load_config()
    with _cluster(cfg) as store:
        try:
            for line in schema.init(store.events.conn, store.events.prefix, store.events.retention_days):
                out.print(f"ok  {shown(line)}")
        except ClusterError as exc:
            fail(f"store init: {shown(str(exc))} (does the API key have manage_index_templates and manage_ilm?)")


@app.command("check")
def check_cmd() -> None:
    """One screen: engine and version, health, templates, lifecycle, state indices; exit 1 when something is
    missing or wrong."""
    from soc.store.cluster import schema

    cfg = load_config()
    with _cluster(cfg) as store:
        results = schema.check(store.events.conn, store.events.prefix, store.events.retention_days)
    for ok, line in results:
        out.print(f"{'ok ' if ok else 'BAD'} {shown(line)}")
    if not all(ok for ok, _ in results):
        raise typer.Exit(1)


@app.command("copy")
def copy_cmd(
    to: Annotated[Path, typer.Option("--to", help="soc.toml of the cluster store to copy into", exists=True,
                                     dir_okay=False)],
) -> None:
    """Copy this (embedded) store's events and state into the cluster ``--to`` names; run it again to resume."""
    from soc.config import load
    from soc.store.cluster.copy import copy_store
    from soc.store.registry import open_store

    cfg = read_config()
    if cfg.store != "embedded":
        fail(f"store copy reads an embedded store; this config's store is {cfg.store!r}")
    target_cfg = load(to)
    with open_store(cfg) as source, _cluster(target_cfg) as target:
        copy_store(source, target, lambda line: out.print(shown(line)))
    out.print(f"copied into {shown(target_cfg.store)}; check with `soc --config {shown(str(to))} store check`")
