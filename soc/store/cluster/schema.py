"""Index templates and lifecycle of a cluster store, from our ECS field list: what ``soc store init`` puts in the
cluster and ``soc store check`` compares. Detects what the engine offers (ILM, ISM) instead of assuming it.

Never deletes data except monthly event indices older than the retention (``prune``).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from soc import ecs
from soc.store.cluster.connection import ClusterError, Connection

KEYWORD = {"type": "keyword", "ignore_above": 8191}
# Every keyword field also indexes its value lowercased in ``<field>.lc`` (searched, never sorted or aggregated):
# a cluster scan's candidate queries (soc.detect.cluster_backend) match Sigma's case-insensitive strings there.
EVENT_KEYWORD = {**KEYWORD, "fields": {"lc": {"type": "keyword", "normalizer": "lowercase", "doc_values": False,
                                              "ignore_above": 8191}}}
STATE_KINDS = ("alerts", "cases", "notes", "suppressions", "audit", "checkpoints", "watermarks", "counters",
               "indicators")


def _leaf(name: str, kind: str) -> dict[str, Any]:
    if name == "event.original":
        return {"type": "keyword", "index": False, "doc_values": False}  # kept in _source, never indexed
    if kind == "TIMESTAMP":
        return {"type": "date_nanos"}
    if kind in ("BIGINT", "INTEGER"):
        return {"type": "long"}
    if kind == "DOUBLE":
        return {"type": "double"}
    if kind == "BOOLEAN":
        return {"type": "boolean"}
    if name.endswith(".ip") or name == "related.ip":
        return {"type": "ip"}
    return copy.deepcopy(EVENT_KEYWORD)


def ecs_properties() -> dict[str, Any]:
    """Nested ``properties`` of every registered ECS and ``soc.*`` field."""
    root: dict[str, Any] = {}
    for name, kind in sorted(ecs.FIELDS.items()):
        node = root
        parts = name.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {"properties": {}})
            if "properties" not in child:  # a leaf with sub-fields: keep the leaf, sub-fields become dynamic
                break
            node = child["properties"]
        else:
            node[parts[-1]] = _leaf(name, kind)
    return root


def templates(prefix: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """name → (API path, body) of every template the store needs."""
    dynamic = [{"strings": {"match_mapping_type": "string", "mapping": dict(KEYWORD)}}]
    settings = {"index": {"auto_expand_replicas": "0-1", "refresh_interval": "1s"}}
    return {
        f"{prefix}-ecs": ("/_component_template/", {"template": {"mappings": {
            "dynamic_templates": dynamic, "properties": ecs_properties()}}, "_meta": {"managed_by": "soc"}}),
        f"{prefix}-settings": ("/_component_template/", {"template": {"settings": {
            **settings, "index": {**settings["index"], "codec": "best_compression", "number_of_shards": 1}}},
            "_meta": {"managed_by": "soc"}}),
        f"{prefix}-events": ("/_index_template/", {
            "index_patterns": [f"{prefix}-events-*"], "priority": 200,
            "composed_of": [f"{prefix}-ecs", f"{prefix}-settings"], "_meta": {"managed_by": "soc"}}),
        f"{prefix}-state": ("/_index_template/", {
            "index_patterns": [f"{prefix}-state-*"], "priority": 200,
            "template": {"settings": {**settings, "index": {**settings["index"], "refresh_interval": "1s",
                                                              "number_of_shards": 1}},
                         "mappings": {"dynamic_templates": dynamic}}, "_meta": {"managed_by": "soc"}}),
    }


def lifecycle(conn: Connection) -> str:
    """Which lifecycle engine the cluster offers: ``ilm``, ``ism`` or ``none`` (then ``prune`` keeps retention)."""
    paths = {"ilm": "/_ilm/status", "ism": "/_plugins/_ism/policies"}
    for name in (("ilm",) if conn.kind == "elasticsearch" else ("ism",)):
        try:
            conn.request("GET", paths[name], retries=0)
            return name
        except ClusterError:
            continue
    return "none"


def _policy(prefix: str, days: int, engine: str) -> tuple[str, dict[str, Any]]:
    if engine == "ilm":
        return f"/_ilm/policy/{prefix}-events", {"policy": {"phases": {
            "hot": {"actions": {}}, "delete": {"min_age": f"{days}d", "actions": {"delete": {}}}}}}
    return f"/_plugins/_ism/policies/{prefix}-events", {"policy": {
        "description": "soc events retention", "default_state": "hot",
        "states": [{"name": "hot", "actions": [], "transitions": [
            {"state_name": "delete", "conditions": {"min_index_age": f"{days}d"}}]},
            {"name": "delete", "actions": [{"delete": {}}], "transitions": []}],
        "ism_template": [{"index_patterns": [f"{prefix}-events-*"], "priority": 100}]}}


def init(conn: Connection, prefix: str, retention_days: int) -> list[str]:
    """Put every template (idempotent: the same body again changes nothing) and the lifecycle policy the engine
    offers; create the state indices. Returns what was done, one line each."""
    done = []
    engine = lifecycle(conn)
    for name, (api, body) in templates(prefix).items():
        if name.endswith("-settings") and engine == "ilm":
            body["template"]["settings"]["index"]["lifecycle"] = {"name": f"{prefix}-events"}
        conn.request("PUT", api + name, body)
        done.append(f"template {name}")
    if engine != "none":
        path, body = _policy(prefix, retention_days, engine)
        if engine == "ism" and conn.exists(path):
            done.append(f"{engine} policy {prefix}-events (kept)")
        else:
            conn.request("PUT", path, body)
            done.append(f"{engine} policy {prefix}-events ({retention_days} days)")
    else:
        done.append(f"no ILM/ISM on this cluster: `soc compact` deletes event months older than {retention_days} days")
    for kind in STATE_KINDS:
        index = f"{prefix}-state-{kind}"
        if not conn.exists(f"/{index}"):
            try:
                conn.request("PUT", f"/{index}")
            except ClusterError as exc:
                if "already_exists" not in exc.reason:
                    raise
        done.append(f"index {index}")
    return done


def check(conn: Connection, prefix: str) -> list[tuple[bool, str]]:
    """(ok, line) per thing ``init`` makes and the cluster must offer: version, health, templates, policy, state."""
    out: list[tuple[bool, str]] = []
    try:
        info = conn.info()
    except ClusterError as exc:
        return [(False, f"cluster: {exc}")]
    version = info.get("version", {})
    engine = version.get("distribution", "elasticsearch")
    number = version.get("number", "?")
    major = int(number.split(".")[0]) if number[:1].isdigit() else 0
    fits = (engine == "opensearch" and major >= 2) or (engine == "elasticsearch" and major >= 8)
    out.append((fits, f"engine {engine} {number}" + ("" if fits else " (need Elasticsearch 8/9 or OpenSearch 2.x)")))
    if engine != conn.kind:
        out.append((False, f"[store] kind = {conn.kind!r} but the cluster is {engine}"))
    health = conn.request("GET", "/_cluster/health").get("status", "?")
    out.append((health in ("green", "yellow"), f"cluster health {health}"))
    for name, (api, body) in templates(prefix).items():
        try:
            got = conn.request("GET", api + name, retries=1)
        except ClusterError as exc:
            out.append((False, f"template {name}: missing ({exc.status}) — run `soc store init`"))
            continue
        stored = (got.get("component_templates") or got.get("index_templates") or [{}])[0]
        inner = stored.get("component_template") or stored.get("index_template") or {}
        if api == "/_component_template/" and name.endswith("-ecs"):
            props = inner.get("template", {}).get("mappings", {}).get("properties", {})
            want = body["template"]["mappings"]["properties"]
            missing = [k for k in want if k not in props]
            out.append((not missing, f"template {name}" + (f": fields missing under {', '.join(missing[:5])} — run "
                                                           "`soc store init`" if missing else "")))
        else:
            out.append((True, f"template {name}"))
    engine_lc = lifecycle(conn)
    out.append((True, f"lifecycle: {engine_lc}" + (" (retention kept by `soc compact`)" if engine_lc == "none" else "")))
    for kind in STATE_KINDS:
        index = f"{prefix}-state-{kind}"
        ok = conn.exists(f"/{index}")
        out.append((ok, f"index {index}" + ("" if ok else ": missing — run `soc store init`")))
    return out


def prune(conn: Connection, prefix: str, retention_days: int, now: datetime | None = None) -> list[str]:
    """Delete monthly event indices whose whole month is older than the retention; returns their names."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    listed = conn.request("GET", f"/_cat/indices/{prefix}-events-*", params={"format": "json", "h": "index"})
    gone = []
    for row in listed:
        name = row["index"]
        month = name.rsplit("-", 1)[-1]
        try:
            start = datetime.strptime(month, "%Y.%m").replace(tzinfo=UTC)
        except ValueError:
            continue
        end = (start + timedelta(days=32)).replace(day=1)
        if end <= cutoff:
            conn.request("DELETE", f"/{name}")
            gone.append(name)
    return gone
