"""Configuration: ``soc.toml`` plus ``SOC_*`` environment overrides.

Holds the province, the inventory of e-gov systems, the store choice and tunables. Never holds secrets passed on a
command line; credentials come from the file or the environment.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# Response clocks per system security level (Decree 85/2016): minutes to acknowledge, minutes to resolve. Defaults,
# overridden per level in ``[triage.clocks]`` of soc.toml.
DEFAULT_CLOCKS: dict[int, tuple[int, int]] = {
    5: (60, 24 * 60), 4: (60, 24 * 60), 3: (4 * 60, 72 * 60), 2: (24 * 60, 7 * 24 * 60), 1: (24 * 60, 7 * 24 * 60),
}
QUEUE_SORTS = ("priority", "time", "level", "rule", "source", "system", "status", "assignee")
_UNITS = {"m": 1, "h": 60, "d": 24 * 60}


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class System:
    """One e-government system of the province's inventory (Decree 85/2016 security level 1–5)."""

    name: str
    type: str = "other"
    hosts: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    vhosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # glob patterns of log files that belong to this system
    owner: str = ""
    level: int = 0


@dataclass(frozen=True)
class Triage:
    """``[triage]``: the security level of alerts whose system is not in the inventory (or has no level), the
    response clocks per level (minutes to acknowledge, to resolve) and the queue's first sort."""

    default_system_level: int = 3
    clocks: tuple[tuple[int, int, int], ...] = tuple((lv, a, r) for lv, (a, r) in sorted(DEFAULT_CLOCKS.items()))
    queue_sort: str = "priority"


@dataclass
class Config:
    data_dir: Path = Path("soc-data")
    source: Path | None = None
    province: str = "Tỉnh (chưa cấu hình)"
    unit: str = "Trung tâm Giám sát an toàn thông tin"
    timezone: str = DEFAULT_TIMEZONE
    analyst: str = ""
    store: str = "embedded"
    max_line_bytes: int = 256 * 1024
    chunk_lines: int = 50_000
    scan_overlap_minutes: int = 10
    systems: list[System] = field(default_factory=list)
    triage: Triage = field(default_factory=Triage)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def analyst_name(self) -> str:
        """Who is acting: the configured analyst, else the OS user."""
        return self.analyst or os.environ.get("SOC_ANALYST") or getpass.getuser()


def _systems(raw: list[dict[str, Any]], path: Path | None) -> list[System]:
    out = []
    for i, item in enumerate(raw):
        if "name" not in item:
            raise ConfigError(f"{path}: systems[{i}] has no 'name'")
        out.append(
            System(
                name=str(item["name"]),
                type=str(item.get("type", "other")),
                hosts=tuple(item.get("hosts", ())),
                ips=tuple(item.get("ips", ())),
                vhosts=tuple(item.get("vhosts", ())),
                paths=tuple(item.get("paths", ())),
                owner=str(item.get("owner", "")),
                level=int(item.get("level", 0)),
            )
        )
    return out


def _minutes(value: Any, where: str) -> int:
    """``30m`` / ``4h`` / ``7d`` / a number of minutes → minutes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = str(value).strip().lower()
    if text[:-1].isdigit() and text[-1:] in _UNITS:
        return int(text[:-1]) * _UNITS[text[-1]]
    raise ConfigError(f"{where} is {value!r}: write a duration such as \"30m\", \"4h\" or \"7d\"")


def _triage(raw: dict[str, Any], path: Path | None) -> Triage:
    """The ``[triage]`` table: ``default_system_level``, ``queue_sort`` and ``[triage.clocks]`` with one entry per
    level, e.g. ``4 = { acknowledge = "1h", resolve = "24h" }`` (levels not given keep their defaults)."""
    where = f"{path or 'config'}: [triage]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    try:
        default = int(raw.get("default_system_level", 3))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where} default_system_level must be a level 1-5") from exc
    if not 1 <= default <= 5:
        raise ConfigError(f"{where} default_system_level is {default}: use a level 1-5")
    sort = str(raw.get("queue_sort", "priority"))
    if sort not in QUEUE_SORTS:
        raise ConfigError(f"{where} queue_sort is {sort!r}: use one of {', '.join(QUEUE_SORTS)}")
    clocks = dict(DEFAULT_CLOCKS)
    given = raw.get("clocks") or {}
    if not isinstance(given, dict):
        raise ConfigError(f"{where}.clocks must be a table: [triage.clocks] 4 = {{ acknowledge = \"1h\", ... }}")
    for key, body in given.items():
        if not str(key).isdigit() or not 1 <= int(key) <= 5 or not isinstance(body, dict):
            raise ConfigError(f"{where}.clocks has {key!r}: write a level 1-5 = {{ acknowledge = \"1h\", "
                              "resolve = \"24h\" }")
        level = int(key)
        ack, res = clocks[level]
        clocks[level] = (_minutes(body.get("acknowledge", ack), f"{where}.clocks.{level}.acknowledge"),
                         _minutes(body.get("resolve", res), f"{where}.clocks.{level}.resolve"))
    return Triage(default, tuple((lv, a, r) for lv, (a, r) in sorted(clocks.items())), sort)


def load(config_path: Path | None = None, data_dir: Path | None = None) -> Config:
    """Read the config file (explicit path, ``SOC_CONFIG``, or ``./soc.toml`` when present) and apply overrides."""
    path = config_path or (Path(os.environ["SOC_CONFIG"]) if os.environ.get("SOC_CONFIG") else None)
    if path is None and Path("soc.toml").is_file():
        path = Path("soc.toml")
    if path is None:  # a data directory may carry its own config (``soc demo`` writes one)
        own = Path(data_dir or os.environ.get("SOC_DATA_DIR") or "soc-data") / "soc.toml"
        path = own if own.is_file() else None
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: config file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    return from_dict(raw, path=path, data_dir=data_dir)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump_toml(raw: dict[str, Any]) -> str:
    """A config dict (scalars, lists, tables, arrays of tables — what soc.toml uses) as TOML text."""
    lines: list[str] = []
    tables = {k: v for k, v in raw.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in raw.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    for k, v in raw.items():
        if k not in tables and k not in arrays:
            lines.append(f"{k} = {_toml_value(v)}")

    def table(prefix: str, body: dict[str, Any]) -> None:
        lines.append(f"\n[{prefix}]")
        subs = {k: v for k, v in body.items() if isinstance(v, dict)}
        for k, v in body.items():
            if k not in subs:
                lines.append(f"{k} = {_toml_value(v)}")
        for k, v in subs.items():
            table(f"{prefix}.{k}", v)

    for k, v in tables.items():
        table(k, v)
    for k, items in arrays.items():
        for item in items:
            lines.append(f"\n[[{k}]]")
            lines += [f"{ik} = {_toml_value(iv)}" for ik, iv in item.items()]
    return "\n".join(lines) + "\n"


def from_dict(raw: dict[str, Any], path: Path | None = None, data_dir: Path | None = None) -> Config:
    province = raw.get("province", {})
    ingest = raw.get("ingest", {})
    scan = raw.get("scan", {})
    cfg = Config(
        source=path,
        province=province.get("name", Config.province),
        unit=province.get("unit", Config.unit),
        timezone=raw.get("timezone", DEFAULT_TIMEZONE),
        analyst=raw.get("analyst", ""),
        store=raw.get("store", {}).get("kind", "embedded"),
        max_line_bytes=int(ingest.get("max_line_bytes", Config.max_line_bytes)),
        chunk_lines=int(ingest.get("chunk_lines", Config.chunk_lines)),
        scan_overlap_minutes=int(scan.get("overlap_minutes", Config.scan_overlap_minutes)),
        systems=_systems(raw.get("systems", []), path),
        triage=_triage(raw.get("triage", {}), path),
        raw=raw,
    )
    env_dir = os.environ.get("SOC_DATA_DIR")
    cfg.data_dir = Path(data_dir or env_dir or raw.get("data_dir") or "soc-data")
    cfg.timezone = os.environ.get("SOC_TIMEZONE", cfg.timezone)
    cfg.store = os.environ.get("SOC_STORE", cfg.store)
    if cfg.store not in ("embedded", "elasticsearch", "opensearch"):
        raise ConfigError(f"{path or 'config'}: store '{cfg.store}' is not a known store "
                          "(embedded, elasticsearch or opensearch)")
    return cfg
