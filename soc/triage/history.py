"""Readable history: audit rows and case-timeline items as sentences ("Nguyễn Văn A chuyển trạng thái: mới → đang
xử lý"), in Vietnamese or English, with times in the configured zone and the zone labelled.

Pure functions over plain rows; display only — never decides anything, never prints a dict or JSON.
"""

from __future__ import annotations

from typing import Any

from soc import i18n
from soc.i18n import tr
from soc.triage.evidence import local

# the words and sentences come from the one catalogue (soc.i18n), lowered to stand inside a sentence
FIELDS = {"status": "Status", "resolution": "Resolution", "assignee": "Assignee", "title": "Title",
          "severity": "Severity"}
# the sentence for each kind of change (English source text; the catalogue holds the Vietnamese)
_SAID = {
    "status": "{who} changed status: {a} → {b}",
    "assign": "{who} assigned the alert to {b}",
    "unassign": "{who} unassigned the alert",
    "scan": "The scan recorded the alert ({b})",
    "note": "{who} added a note",
    "note_text": "{who} noted: {b}",
    "reveal_pii": "{who} revealed personal data ({b} events)",
    "case_create": "{who} opened the case “{a}”, severity {b}",
    "case_update": "{who} updated the case: {b}",
    "add_alerts": "{who} added {b} alert(s) to the case",
    "remove_alerts": "{who} removed {b} alert(s) from the case",
    "sup_create": "{who} suppressed {a} = {b}",
    "sup_remove": "{who} removed the suppression",
    "alert": "Alert: {a} (level {b})",
    "other": "{who}: {a}",
    "zone": "times in {a}",
}


def _say(key: str, lang: str, **parts: Any) -> str:
    return tr(_SAID[key], lang).format(**{k: "" if v is None else str(v) for k, v in parts.items()})


def status_word(status: str | None, lang: str) -> str:
    """A status (alert or case) in the analyst's language: ``in_progress`` → "in progress" / "đang xử lý"."""
    status = status or ""
    if status == "all":
        return tr("all", lang)
    return i18n.status_word(status, lang).lower() if lang == "vi" else status.replace("_", " ")


def _value(fld: str, value: Any, lang: str) -> str:
    if value in (None, ""):
        return "—"
    if fld == "status":
        return status_word(str(value), lang)
    if fld == "resolution":
        return i18n.resolution_word(value, lang).lower() if lang == "vi" else str(value).replace("_", " ")
    if fld == "severity":
        return i18n.level_word(value, lang).lower() if lang == "vi" else str(value)
    return str(value)


def _plain(detail: Any) -> str:
    """Any other recorded detail as ``key value, …`` — never braces or quotes."""
    if isinstance(detail, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in detail.items())
    if isinstance(detail, (list, tuple)):
        return ", ".join(_plain(v) for v in detail)
    return "" if detail is None else str(detail)


def _alert_update(who: str, before: dict, after: dict, lang: str) -> str:
    parts = []
    if "status" in after:
        new = _value("status", after.get("status"), lang)
        if after.get("resolution"):
            new += f" ({_value('resolution', after['resolution'], lang)})"
        parts.append(_say("status", lang, who=who, a=_value("status", before.get("status"), lang), b=new))
    if "assignee" in after:
        parts.append(_say("assign", lang, who=who, b=after["assignee"]) if after["assignee"]
                     else _say("unassign", lang, who=who))
    return "; ".join(parts) or _say("other", lang, who=who, a=_plain(after))


def _case_update(who: str, before: dict, after: dict, lang: str) -> str:
    changes = []
    for fld, new in after.items():
        name = tr(FIELDS[fld], lang).lower() if fld in FIELDS else fld
        changes.append(f"{name} {_value(fld, before.get(fld), lang)} → {_value(fld, new, lang)}")
    return _say("case_update", lang, who=who, b=", ".join(changes))


def audit_sentence(row: dict[str, Any], lang: str = "en") -> str:
    """One audit row (``actor``, ``object_type``, ``action``, ``before``, ``after``) as a sentence."""
    who, action, kind = str(row.get("actor") or ""), row.get("action"), row.get("object_type")
    before = row.get("before") if isinstance(row.get("before"), dict) else {}
    after = row.get("after") if isinstance(row.get("after"), dict) else {}
    if kind == "alert" and action == "update":
        return _alert_update(who, before, after, lang)
    if kind == "alert" and action == "create":
        return _say("scan", lang, b=_value("status", after.get("status"), lang))
    if action == "note":
        return _say("note", lang, who=who)
    if action == "reveal_pii":
        return _say("reveal_pii", lang, who=who, b=after.get("events", "?"))
    if kind == "case" and action == "create":
        return _say("case_create", lang, who=who, a=after.get("title"), b=_value("severity", after.get("severity"), lang))
    if kind == "case" and action == "update":
        return _case_update(who, before, after, lang)
    if action in ("add_alerts", "remove_alerts"):
        ids = (after or before).get("alerts") or []
        return _say(action, lang, who=who, b=len(ids))
    if kind == "suppression" and action == "create":
        return _say("sup_create", lang, who=who, a=after.get("field"), b=after.get("value"))
    if kind == "suppression" and action == "remove":
        return _say("sup_remove", lang, who=who)
    detail = _plain(row.get("after") if row.get("after") is not None else row.get("before"))
    return _say("other", lang, who=who, a=f"{action} {detail}".strip())


def when(at: Any, zone: str) -> str:
    """A stored UTC time in ``zone`` with the zone's offset: ``2026-11-24 10:00:01 +07``."""
    return local(at, zone, "%Y-%m-%d %H:%M:%S %Z") if at else ""


def zone_label(zone: str, lang: str = "en") -> str:
    return _say("zone", lang, a=zone)


def audit_lines(trail: list[dict[str, Any]], zone: str, lang: str = "en") -> list[tuple[str, str]]:
    """(time, sentence) for each audit row, oldest first."""
    return [(when(r.get("at"), zone), audit_sentence(r, lang)) for r in trail]


def timeline_sentence(item: dict[str, Any], lang: str = "en") -> str:
    """One case-timeline item (``kind`` alert / note / an audited action) as a sentence."""
    kind = item.get("kind")
    if kind == "alert":
        title = (lang == "vi" and item.get("text_vi")) or item.get("text")
        text = _say("alert", lang, a=title, b=_value("severity", item.get("level"), lang))
        extra = [str(v) for v in (item.get("source_ip"), item.get("system")) if v]
        return text + (" · " + " · ".join(extra) if extra else "")
    if kind == "note":
        return _say("note_text", lang, who=item.get("who"), b=item.get("text"))
    row = {"actor": item.get("who"), "object_type": "case", "action": kind,
           "before": item.get("before"), "after": item.get("after")}
    return audit_sentence(row, lang)
