"""Time-zone abbreviations servers write in their logs (PostgreSQL ``%t``/``%m``, Apache, Java) → UTC offsets, and
the SQL that reads a zone column (abbreviation, ``+07``, ``+0700``, ``+07:00``, ``Z``) as a ``%z`` offset.

A fixed table, as PostgreSQL's ``timezone_abbreviations = 'Default'`` is: an ambiguous abbreviation takes the
meaning that table gives it (CST = US Central, -06), except IST (India, +05:30) for the region we serve. Never
guesses: an unknown abbreviation gives NULL, and the line is dead-lettered with the zone named.
"""

from __future__ import annotations

from soc.store.duck import literal

ABBREVIATIONS: dict[str, str] = {
    # universal
    "UTC": "+0000", "GMT": "+0000", "UT": "+0000", "Z": "+0000", "ZULU": "+0000",
    # Europe
    "WET": "+0000", "WEST": "+0100", "BST": "+0100", "IST": "+0530", "CET": "+0100", "CEST": "+0200",
    "MET": "+0100", "MEST": "+0200", "EET": "+0200", "EEST": "+0300", "MSK": "+0300", "MSD": "+0400",
    # Africa / Middle East
    "WAT": "+0100", "CAT": "+0200", "SAST": "+0200", "EAT": "+0300", "IDT": "+0300", "GST": "+0400",
    # Asia
    "PKT": "+0500", "NPT": "+0545", "BDT": "+0600", "ICT": "+0700", "WIB": "+0700", "WITA": "+0800",
    "WIT": "+0900", "HKT": "+0800", "SGT": "+0800", "MYT": "+0800", "PHT": "+0800", "AWST": "+0800",
    "JST": "+0900", "KST": "+0900",
    # Oceania
    "ACST": "+0930", "ACDT": "+1030", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300",
    # Americas
    "AST": "-0400", "ADT": "-0300", "EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
    "MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700", "AKST": "-0900", "AKDT": "-0800",
    "HST": "-1000", "NST": "-0330", "NDT": "-0230", "BRT": "-0300", "ART": "-0300", "CLT": "-0400",
}


def offset_sql(zone: str) -> str:
    """SQL: the zone text ``zone`` (an expression) as ``+HHMM``, or NULL when it is neither an offset nor an
    abbreviation of the table."""
    table = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in ABBREVIATIONS.items())
    return (
        f"CASE WHEN regexp_full_match({zone}, '[+-]\\d\\d') THEN {zone} || '00' "
        f"WHEN regexp_full_match({zone}, '[+-]\\d\\d:?\\d\\d') THEN replace({zone}, ':', '') "
        f"ELSE CASE upper({zone}) {table} END END"
    )
