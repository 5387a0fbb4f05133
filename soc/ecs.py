"""ECS field names and their storage types, and helpers to flatten/unflatten documents.

The embedded store keeps one column per dotted ECS field; this table is the single source of their types. It never
guesses a type from data: a field missing here is stored as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from soc import yamltext

# DuckDB/Parquet type of each ECS (and soc.*) field we store. Keyword/text → VARCHAR, long → BIGINT,
# date → TIMESTAMP (UTC, naive), ip → VARCHAR (validated on ingest), keyword arrays → VARCHAR[].
FIELDS: dict[str, str] = {
    "@timestamp": "TIMESTAMP",
    "message": "VARCHAR",
    "tags": "VARCHAR[]",
    # event
    "event.id": "VARCHAR",
    "event.kind": "VARCHAR",
    "event.category": "VARCHAR[]",
    "event.type": "VARCHAR[]",
    "event.action": "VARCHAR",
    "event.outcome": "VARCHAR",
    "event.dataset": "VARCHAR",
    "event.module": "VARCHAR",
    "event.original": "VARCHAR",
    "event.ingested": "TIMESTAMP",
    "event.created": "TIMESTAMP",
    "event.duration": "BIGINT",
    "event.severity": "BIGINT",
    "event.timezone": "VARCHAR",
    "event.reason": "VARCHAR",
    # log
    "log.file.path": "VARCHAR",
    "log.offset": "BIGINT",
    "log.level": "VARCHAR",
    "log.logger": "VARCHAR",
    "log.syslog.priority": "BIGINT",
    "log.syslog.facility.code": "BIGINT",
    "log.syslog.facility.name": "VARCHAR",
    "log.syslog.severity.code": "BIGINT",
    "log.syslog.severity.name": "VARCHAR",
    "log.syslog.appname": "VARCHAR",
    "log.syslog.hostname": "VARCHAR",
    "log.syslog.procid": "VARCHAR",
    # source / destination / client / server
    "source.ip": "VARCHAR",
    "source.port": "BIGINT",
    "source.address": "VARCHAR",
    "source.domain": "VARCHAR",
    "source.bytes": "BIGINT",
    "source.packets": "BIGINT",
    "source.geo.country_iso_code": "VARCHAR",
    "source.geo.country_name": "VARCHAR",
    "source.user.name": "VARCHAR",
    "destination.ip": "VARCHAR",
    "destination.port": "BIGINT",
    "destination.address": "VARCHAR",
    "destination.domain": "VARCHAR",
    "destination.bytes": "BIGINT",
    "destination.packets": "BIGINT",
    "destination.geo.country_iso_code": "VARCHAR",
    "client.ip": "VARCHAR",
    "server.ip": "VARCHAR",
    "network.protocol": "VARCHAR",
    "network.transport": "VARCHAR",
    "network.direction": "VARCHAR",
    "network.bytes": "BIGINT",
    "network.packets": "BIGINT",
    # host / process / service
    "host.name": "VARCHAR",
    "host.hostname": "VARCHAR",
    "host.ip": "VARCHAR[]",
    "process.name": "VARCHAR",
    "process.pid": "BIGINT",
    "process.command_line": "VARCHAR",
    "process.executable": "VARCHAR",
    "process.args": "VARCHAR[]",
    "process.working_directory": "VARCHAR",
    "service.name": "VARCHAR",
    "service.type": "VARCHAR",
    # user
    "user.name": "VARCHAR",
    "user.id": "VARCHAR",
    "user.domain": "VARCHAR",
    "user.email": "VARCHAR",
    "user.effective.name": "VARCHAR",
    "user.target.name": "VARCHAR",
    "user.changes.name": "VARCHAR",
    "group.name": "VARCHAR",
    # web
    "url.original": "VARCHAR",
    "url.path": "VARCHAR",
    "url.query": "VARCHAR",
    "url.domain": "VARCHAR",
    "url.scheme": "VARCHAR",
    "url.port": "BIGINT",
    "url.extension": "VARCHAR",
    "url.full": "VARCHAR",
    "http.version": "VARCHAR",
    "http.request.method": "VARCHAR",
    "http.request.referrer": "VARCHAR",
    "http.request.bytes": "BIGINT",
    "http.request.body.bytes": "BIGINT",
    "http.request.body.content": "VARCHAR",
    "http.request.id": "VARCHAR",
    "http.response.status_code": "BIGINT",
    "http.response.bytes": "BIGINT",
    "http.response.body.bytes": "BIGINT",
    "http.response.body.content": "VARCHAR",
    "user_agent.original": "VARCHAR",
    "user_agent.name": "VARCHAR",
    "user_agent.os.name": "VARCHAR",
    "user_agent.device.name": "VARCHAR",
    "nginx.access.request_time": "DOUBLE",
    "nginx.access.upstream_response_time": "DOUBLE",
    # rule / error / observer
    "rule.id": "VARCHAR",
    "rule.name": "VARCHAR",
    "rule.category": "VARCHAR",
    "error.message": "VARCHAR",
    "observer.name": "VARCHAR",
    "observer.vendor": "VARCHAR",
    "observer.product": "VARCHAR",
    "observer.type": "VARCHAR",
    # system integration (Elastic system.auth)
    "system.auth.ssh.method": "VARCHAR",
    "system.auth.ssh.signature": "VARCHAR",
    "system.auth.ssh.event": "VARCHAR",
    "system.auth.sudo.tty": "VARCHAR",
    "system.auth.sudo.pwd": "VARCHAR",
    "system.auth.sudo.user": "VARCHAR",
    "system.auth.sudo.command": "VARCHAR",
    "system.auth.sudo.error": "VARCHAR",
    # related
    "related.ip": "VARCHAR[]",
    "related.user": "VARCHAR[]",
    "related.hosts": "VARCHAR[]",
    # soc.* domain fields
    "soc.system": "VARCHAR",
    "soc.system_type": "VARCHAR",
    "soc.system_level": "BIGINT",
    "soc.pii.types": "VARCHAR[]",
    "soc.pii.count": "BIGINT",
    "soc.pii.distinct": "BIGINT",
    "soc.pii.examples": "VARCHAR[]",
}

ARRAY_SUFFIX = "[]"


def _load_extra_fields() -> None:
    """Fields added by each area live in ``soc/ecs_fields/<area>.yml`` (``name: TYPE`` lines), merged here."""
    folder = Path(__file__).with_name("ecs_fields")
    for path in sorted(folder.glob("*.yml")):
        for name, ftype in (yamltext.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            known = FIELDS.get(name)
            if known is not None and known != ftype:
                raise ValueError(f"{path}: field {name} is {ftype} here but {known} elsewhere")
            FIELDS[name] = ftype


_load_extra_fields()


def field_type(name: str) -> str:
    """The storage type of ``name`` (text when the field is not in the registry)."""
    return FIELDS.get(name, "VARCHAR")


def is_array(name: str) -> bool:
    return field_type(name).endswith(ARRAY_SUFFIX)


_PLAIN = frozenset({str, int, float, bool, list, type(None)})


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"source": {"ip": "1.2.3.4"}}`` → ``{"source.ip": "1.2.3.4"}`` (lists are kept as values)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        kind = type(value)
        if kind is dict or (kind not in _PLAIN and isinstance(value, Mapping)):  # the ABC check is slow: JSON skips it
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def unflatten(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`flatten`; ``@timestamp`` and other undotted names stay at the top."""
    out: dict[str, Any] = {}
    for name, value in doc.items():
        parts = name.split(".")
        node = out
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):  # a scalar and an object share a prefix: keep the dotted name
                node = None
                break
            node = nxt
        if node is None:
            out[name] = value
        else:
            node[parts[-1]] = value
    return out


def validate(doc: Mapping[str, Any], known: Iterable[str] = FIELDS) -> list[str]:
    """Names in a flat document that are neither registered ECS fields nor custom ``soc.*`` / vendor fields."""
    known_set = set(known)
    return [n for n in doc if n not in known_set and not n.startswith(("soc.", "labels."))]
