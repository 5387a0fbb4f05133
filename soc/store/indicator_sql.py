"""Indicator matching compiled to DuckDB SQL: events (or a batch) joined with an indicator table in one query.

Observed values are first reduced to distinct values per kind, which alone are normalised: IPs to 128-bit (hi, lo)
and joined on (prefix length, masked network) for every prefix length the indicators use (exact IPs are /32 or
/128, CIDRs are ranges of the same join); domains to their list of suffixes (``a.b.evil.vn`` → ``evil.vn`` …) joined
by equality; URLs to ``soc.intel.normalise.url``'s form. The matched values are then hash-joined back to the events.
Builds SQL text only; the embedded store and the batch workspace run it.

The indicator relation has columns ``ikey, kind, value, plen, net_hi, net_lo`` (``soc.intel.table``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from soc.store.duck import ident, literal

V4_MAPPED = 0xFFFF00000000

# event value → the matching form of a URL (see soc.intel.normalise.url): host lower case, default port dropped,
# scheme and fragment dropped, a lone "/" path dropped
URL_SQL = (
    "regexp_replace(lower(regexp_extract({v}, '^([a-zA-Z][a-zA-Z0-9+.-]*://)?([^/?#]*)', 2)), ':(80|443)$', '') || "
    "regexp_replace(regexp_extract({v}, '^([a-zA-Z][a-zA-Z0-9+.-]*://)?[^/?#]*([^#]*)', 2), '^/$', '')"
)
# url.original is often only the path: prefix the event's url.domain then
_URL_ORIGINAL = ('CASE WHEN starts_with("url.original", \'/\') THEN coalesce("url.domain", \'\') || "url.original" '
                 'ELSE "url.original" END')


def _url_form(v: str) -> str:
    """:data:`URL_SQL` of ``v``, skipping the regular expressions for a value already in that form (no scheme, port
    or fragment, nothing upper case, no trailing "/": most composed ``url.original`` values)."""
    plain = f"NOT contains({v}, ':') AND NOT contains({v}, '#') AND NOT ends_with({v}, '/') AND {v} = lower({v})"
    return f"(CASE WHEN {plain} THEN {v} ELSE {URL_SQL.format(v=v)} END)"


def _observed(field: str) -> str:
    """The raw value expression of ``field`` on an event row (url.original composed with url.domain)."""
    return _URL_ORIGINAL if field == "url.original" else ident(field)


def _ip_values() -> str:
    """(raw, hi, lo) of the distinct observed IP values (IPv4 as IPv4-mapped IPv6; unparsable values dropped)."""
    v4 = ("list_transform(string_split(raw, '.'), lambda p: TRY_CAST(p AS UTINYINT)::UBIGINT)")
    v6_groups = (
        "CASE WHEN len(h) = 1 THEN string_split(h[1], ':') ELSE "
        "(CASE WHEN h[1] = '' THEN [] ELSE string_split(h[1], ':') END) || "
        "list_transform(range(8 - (CASE WHEN h[1] = '' THEN 0 ELSE len(string_split(h[1], ':')) END) - "
        "(CASE WHEN h[2] = '' THEN 0 ELSE len(string_split(h[2], ':')) END)), lambda x: '0') || "
        "(CASE WHEN h[2] = '' THEN [] ELSE string_split(h[2], ':') END) END"
    )
    return (
        "SELECT raw, 0::UBIGINT AS hi, "
        f"{V4_MAPPED}::UBIGINT + (o[1] << 24) + (o[2] << 16) + (o[3] << 8) + o[4] AS lo "
        f"FROM (SELECT raw, {v4} AS o FROM soc_vals WHERE kind = 'ip' AND regexp_full_match(raw, "
        "'[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}')) WHERE list_position(o, NULL) IS NULL "
        "UNION ALL "
        "SELECT raw, TRY_CAST('0x' || hex[1:16] AS UBIGINT), TRY_CAST('0x' || hex[17:32] AS UBIGINT) FROM ("
        "SELECT raw, array_to_string(list_transform(g, lambda x: lpad(x, 4, '0')), '') AS hex, g FROM ("
        f"SELECT raw, {v6_groups} AS g FROM (SELECT raw, string_split(split_part(lower(raw), '%', 1), '::') AS h "
        "FROM soc_vals WHERE kind = 'ip' AND contains(raw, ':') AND NOT contains(raw, '.')) WHERE len(h) <= 2)) "
        "WHERE len(g) = 8 AND list_max(list_transform(g, lambda x: length(x))) <= 4 "
        "AND regexp_full_match(hex, '[0-9a-f]{32}')"
    )


def observed_sql(relation: str, pairs: Sequence[tuple[str, str]], list_fields: Sequence[str]) -> str:
    """The distinct observed values of ``relation`` (a name or a parenthesised SELECT) as rows ``kind, raw``: per
    (label, field) of ``pairs``, the field's values labelled ``label`` (list fields element-wise)."""
    lists = set(list_fields)
    return " UNION ALL ".join(
        f"SELECT DISTINCT {literal(kind)} AS kind, unnest({ident(f)}) AS raw FROM {relation} AS soc_r" if f in lists else
        f"SELECT DISTINCT {literal(kind)} AS kind, {_observed(f)} AS raw FROM {relation} AS soc_r "
        f"WHERE {_observed(f)} IS NOT NULL"
        for kind, f in pairs
    )


def matches_sql(source: str, indicators: str, fields: Mapping[str, Sequence[str]], list_fields: Sequence[str],
                carry: Mapping[str, str], values: str | None = None) -> str:
    """One query: per event of ``source`` (a SELECT) and indicator of ``indicators`` (a relation) it matches, the
    ``carry`` expressions (name → SQL over the event), ``field``, ``observed`` (the raw value) and ``ikey``.

    ``fields`` maps an indicator kind (ip, domain, url, hash, email) to the event fields holding such values;
    ``list_fields`` are those of list type (matched element-wise). ``values`` (a SELECT of ``kind, raw``) gives
    the observed values to match when known otherwise (``soc.store.value_index``): at least every value ``source``
    holds; by default they are read from ``source``."""
    lists = set(list_fields)
    pairs = [(kind, f) for kind, names in fields.items() for f in names]
    if not pairs:
        return f"SELECT {', '.join(f'NULL AS {ident(n)}' for n in carry)}, NULL AS field, NULL AS observed, " \
               "NULL AS ikey WHERE false"
    observed = values if values is not None else observed_sql("soc_ev", pairs, lists)
    mask_hi = "CASE WHEN p.plen >= 64 THEN v.hi WHEN p.plen = 0 THEN 0 ELSE v.hi >> (64 - p.plen) END"
    mask_lo = "CASE WHEN p.plen <= 64 THEN 0 WHEN p.plen = 128 THEN v.lo ELSE v.lo >> (128 - p.plen) END"
    # each observed IP masked once per prefix length the indicators use, then one hash join (a join whose key mixes
    # both sides of a cross product is planned as a nested loop: 100x slower)
    prefixes = (f"SELECT v.raw, p.plen, {mask_hi} AS mh, {mask_lo} AS ml FROM soc_ipv v, "
                f"(SELECT DISTINCT plen FROM {indicators} WHERE kind = 'ip') p")
    matched = (
        f"SELECT 'ip' AS kind, v.raw, i.ikey FROM soc_ipmask v JOIN {indicators} i ON i.kind = 'ip' "
        "AND i.plen = v.plen AND i.net_hi = v.mh AND i.net_lo = v.ml "
        "UNION ALL "
        # the suffixes of as many labels as some domain indicator has (no other can equal one)
        "SELECT 'domain', d.raw, i.ikey FROM (SELECT v.raw, array_to_string(v.parts[len(v.parts) - n.labels + 1:], "
        "'.') AS suffix FROM (SELECT raw, string_split(rtrim(lower(raw), '.'), '.') AS parts FROM soc_vals "
        "WHERE kind = 'domain') v JOIN (SELECT DISTINCT len(string_split(value, '.')) AS labels "
        f"FROM {indicators} WHERE kind = 'domain') n ON len(v.parts) >= n.labels) d "
        f"JOIN {indicators} i ON i.kind = 'domain' AND i.value = d.suffix "
        "UNION ALL "
        f"SELECT 'url', v.raw, i.ikey FROM soc_vals v JOIN {indicators} i ON i.kind = 'url' "
        f"AND i.value = {_url_form('v.raw')} WHERE v.kind = 'url' "
        "UNION ALL "
        f"SELECT v.kind, v.raw, i.ikey FROM soc_vals v JOIN {indicators} i ON i.kind = v.kind "
        "AND i.value = lower(v.raw) WHERE v.kind IN ('hash', 'email')"
    )
    carried = ", ".join(f"{expr} AS {ident(name)}" for name, expr in carry.items())
    # one scan of the events keeps those holding a matched value in any field (semi-joins); only they are then
    # joined field by field, with the carried expressions computed for them alone
    holds = " OR ".join(
        f"list_has_any({ident(f)}, (SELECT list(raw) FROM soc_matched WHERE kind = {literal(kind)}))" if f in lists
        else f"{_observed(f)} IN (SELECT raw FROM soc_matched WHERE kind = {literal(kind)})"
        for kind, f in pairs
    )
    needed = [f for _, f in pairs] + (["url.domain"] if any(f == "url.original" for _, f in pairs) else [])
    kept = ", ".join(dict.fromkeys(ident(f) for f in needed))
    back = " UNION ALL ".join(
        (f"SELECT {', '.join(ident(n) for n in carry)}, {literal(f)} AS field, m.raw AS observed, m.ikey "
         f"FROM (SELECT *, unnest({ident(f)}) AS _v FROM soc_hit) e JOIN soc_matched m "
         f"ON m.kind = {literal(kind)} AND e._v = m.raw") if f in lists else
        (f"SELECT {', '.join(ident(n) for n in carry)}, {literal(f)} AS field, m.raw AS observed, m.ikey "
         f"FROM soc_hit JOIN (SELECT raw, ikey FROM soc_matched WHERE kind = {literal(kind)}) m "
         f"ON {_observed(f)} = m.raw")
        for kind, f in pairs
    )
    hit = f"SELECT {carried}, {kept} FROM soc_ev WHERE {holds}"
    return (
        f"WITH soc_ev AS NOT MATERIALIZED ({source}), "
        f"soc_vals AS MATERIALIZED (SELECT DISTINCT kind, raw FROM ({observed})), "
        f"soc_ipv AS MATERIALIZED ({_ip_values()}), "
        f"soc_ipmask AS MATERIALIZED ({prefixes}), "
        f"soc_matched AS MATERIALIZED (SELECT DISTINCT kind, raw, ikey FROM ({matched})), "
        f"soc_hit AS MATERIALIZED ({hit}) "
        f"{back}"
    )


def hits_sql(source: str, indicators: str, fields: Mapping[str, Sequence[str]], list_fields: Sequence[str],
             ids_per_group: int, values: str | None = None) -> str:
    """:func:`matches_sql` over stored events, grouped per (indicator, field, observed value, system, host,
    dataset): events, first and last time, and the first ``ids_per_group`` event ids."""
    carry = {"eid": '"event.id"', "ts": '"@timestamp"', "system": '"soc.system"',
             "host": 'coalesce("host.name", "host.hostname", "observer.name")', "dataset": '"event.dataset"'}
    return (
        f"SELECT ikey, field, observed, system, host, dataset, count(*) AS events, min(ts) AS first, "
        f"max(ts) AS last, list_sort(min_by(eid, ts, {int(ids_per_group)})) AS event_ids "
        f"FROM ({matches_sql(source, indicators, fields, list_fields, carry, values)}) "
        "GROUP BY ALL ORDER BY ikey, first"
    )


def batch_sql(table: str, indicators: str, fields: Mapping[str, Sequence[str]], list_fields: Sequence[str],
              has_url_domain: bool) -> str:
    """:func:`matches_sql` over a workspace batch ``table``: per matched row (``rid``, its rowid) the first
    indicator (by key) with the field and value it was seen in."""
    extra = "" if has_url_domain else ', NULL::VARCHAR AS "url.domain"'
    source = f"SELECT rowid AS _rid, *{extra} FROM {ident(table)}"
    matched = matches_sql(source, indicators, fields, list_fields, {"rid": "_rid"})
    return (f"SELECT rid, arg_min(field, ikey) AS field, arg_min(observed, ikey) AS observed, min(ikey) AS ikey "
            f"FROM ({matched}) GROUP BY rid")
