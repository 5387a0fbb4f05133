"""Declarative parsers: ``parsers/<name>.yml`` → a :class:`Parser` (decoder + ECS field mapping + constants).

A parser is data (``parser_spec.py``). This module only loads and validates it; decoding lives in the decoders
named in ``registry.py`` and the vectorised type conversion in ``transform.py``. It never executes anything from a
YAML file but the SQL expressions of the shipped, trusted parser files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from soc import ecs, yamltext
from soc.config import ConfigError
from soc.ingest import syslog
from soc.ingest.parser_spec import TYPES, FieldSpec, Parser, ParserError, Pattern
from soc.ingest.registry import DECODERS
from soc.paths import parsers_dir

__all__ = ["FieldSpec", "Parser", "ParserError", "Pattern", "all_parsers", "get_parser", "load_parser",
           "path_parsers"]


def _field_spec(target: str, spec: Any, where: str) -> FieldSpec:
    if isinstance(spec, str):
        return FieldSpec(target=target, source=(spec,))
    if not isinstance(spec, dict):
        raise ParserError(f"{where}: field '{target}' must be a column name or a mapping")
    src = spec.get("from", ())
    src = (src,) if isinstance(src, str) else tuple(src)
    ftype = spec.get("type", "string")
    if ftype not in TYPES:
        raise ParserError(f"{where}: field '{target}' has unknown type '{ftype}' (expected {sorted(TYPES)})")
    if not src and "expr" not in spec:
        raise ParserError(f"{where}: field '{target}' needs 'from' or 'expr'")
    if ftype == "timestamp" and not spec.get("format") and not spec.get("expr"):
        raise ParserError(f"{where}: timestamp field '{target}' needs a 'format'")
    return FieldSpec(
        target=target,
        source=src,
        type=ftype,
        format=tuple(spec["format"]) if isinstance(spec.get("format"), list) else spec.get("format"),
        timezone=spec.get("timezone"),
        year=spec.get("year"),
        expr=spec.get("expr"),
        zone_from=spec.get("zone_from"),
    )


def load_parser(path: Path) -> Parser:
    """Load and validate one parser YAML file."""
    where = str(path)
    try:
        doc = yamltext.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParserError(f"{where}: invalid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ParserError(f"{where}: a parser file must be a mapping")
    for key in ("name", "dataset", "decoder"):
        if key not in doc:
            raise ParserError(f"{where}: missing '{key}'")
    dec = doc["decoder"]
    dtype = dec.get("type") if isinstance(dec, dict) else dec
    patterns: list[Pattern] = []
    if dtype == "regex":
        prefix = dec.get("prefix", "")
        prefix = syslog.PREFIXES.get(prefix, prefix)  # "syslog" / "syslog?": the shared syslog header step  # a shared head (e.g. a syslog header) put before every pattern
        for i, p in enumerate(dec.get("patterns", [])):
            if isinstance(p, str):
                p = {"regex": p}
            regex = prefix + p["regex"] if p.get("prefix", True) else p["regex"]
            patterns.append(Pattern(regex=regex, set=dict(p.get("set", {})), name=p.get("name", str(i)),
                                    required=tuple(p.get("required", ()))))
        if not patterns:
            raise ParserError(f"{where}: a regex decoder needs at least one pattern")
    elif dtype not in DECODERS:
        available = ", ".join(DECODERS)
        raise ParserError(f"{where}: unknown decoder '{dtype}' (available: {available})")
    field_docs = dict(doc.get("fields") or {})
    if isinstance(dec, dict) and syslog.uses_syslog(dec.get("prefix", ""), dec):
        for target, spec in (syslog.FIELDS | syslog.DEFAULTS).items():
            field_docs.setdefault(target, spec)  # the parser's own mapping wins
    fields = tuple(_field_spec(t, s, where) for t, s in field_docs.items())
    unknown = [f.target for f in fields if ecs.validate({f.target: None})]
    if unknown:
        raise ParserError(f"{where}: fields not in the ECS registry (soc/ecs.py): {', '.join(unknown)}")
    required = tuple(doc.get("required", ()))
    _check_required(where, required + tuple(r for p in patterns for r in p.required), fields, doc)
    return Parser(
        name=doc["name"],
        dataset=doc["dataset"],
        module=doc.get("module", doc["dataset"].split(".")[0]),
        description=doc.get("description", ""),
        decoder=dtype,
        patterns=tuple(patterns),
        fields=fields,
        constants=dict(doc.get("constants", {})),
        null_values=tuple(doc.get("null_values", ["", "-"])),
        detect_keys=tuple((dec.get("detect_keys") if isinstance(dec, dict) else None) or ()),
        path=path,
        options={k: v for k, v in dec.items() if k not in ("type", "patterns", "detect_keys", "prefix")}
        if isinstance(dec, dict)
        else {},
        required=required,
    )


def _check_required(where: str, required: tuple[str, ...], fields: tuple[FieldSpec, ...], doc: dict) -> None:
    """``required:`` (of the parser or of a pattern) names fields the parser produces."""
    produced = {f.target for f in fields} | set(doc.get("constants") or {})
    for p in (doc.get("decoder") or {}).get("patterns", []) if isinstance(doc.get("decoder"), dict) else []:
        produced |= set((p.get("set") or {}) if isinstance(p, dict) else {})
    missing = sorted(set(required) - produced)
    if missing:
        raise ParserError(f"{where}: required field(s) the parser never fills: {', '.join(missing)} "
                          "(map them under 'fields:' or drop them from 'required:')")


@cache
def _load_dir(folder: Path) -> dict[str, Parser]:
    out: dict[str, Parser] = {}
    for path in sorted(folder.glob("*.yml")):
        parser = load_parser(path)
        if parser.name in out:
            raise ParserError(f"{path}: parser name '{parser.name}' is also defined in {out[parser.name].path}")
        out[parser.name] = parser
    return out


def all_parsers(folder: Path | None = None) -> dict[str, Parser]:
    """Every parser of a folder (default: the shipped ``parsers/``), by name."""
    return _load_dir((folder or parsers_dir()).resolve())


def get_parser(name: str, folder: Path | None = None) -> Parser:
    parsers = all_parsers(folder)
    if name not in parsers:
        raise ParserError(f"unknown parser '{name}' (available: {', '.join(sorted(parsers))})")
    return parsers[name]


def path_parsers(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """``[ingest.parsers]``: (path pattern, parser) pairs, first match wins, for files auto-detection cannot tell
    apart (a WSO2 gateway writing plain combined lines looks like nginx). Patterns match the absolute path, ``*``
    across folders too (``"*/lgsp/*access*.log" = "wso2_http_access"``)."""
    table = (raw.get("ingest", {}) or {}).get("parsers", {}) or {}
    if not isinstance(table, dict):
        raise ConfigError("[ingest.parsers] must be a table of \"path pattern\" = \"parser\"")
    for pattern, name in table.items():
        try:
            get_parser(str(name))
        except ParserError as exc:
            raise ConfigError(f"[ingest.parsers] {pattern!r}: {exc}") from exc
    return [(str(pattern), str(name)) for pattern, name in table.items()]
