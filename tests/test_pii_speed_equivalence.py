"""The personal-data fast paths give the same output as the straightforward algorithm.

The fast paths (soc.enrich.pii, soc.enrich.pii_enrich): the e-mail regex started near each ``@``, the gates in front
of the number detectors, the DuckDB number hint that lets Python skip ``_MAYBE_NUMBER``, one ``find`` in ``redact``
when URL-decoding changes nothing, and the per-row shortcuts of ``summarise``. The references below run every
detector on every text (e-mails by a scan from the start, numbers without any gate) and summarise as plainly as
possible; the texts mix e-mails, numbers, URL escapes (``%XX``, ``+``), Vietnamese letters and other scripts' digits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from soc.config import from_dict
from soc.enrich import pii, pii_enrich
from soc.store.duck import connect, literal
from soc.store.embedded import EventStore
from soc.store.workspace import MappedBatch, Workspace

EMAILS = [
    "vanthu@sotttt.gov.vn", "Nguyen.Van-A+tag@Gmail.com", "logo@2x.png", "admin@carbon.super", "a@b.co",
    "x.@y.com", ".abc@x.vn", "ệabc@x.vn", "a" * 70 + "@long.vn", "a@b@c.com", "user%40example.com",
    "20261124094903.C2131104BA8@mail.sotttt.gov.vn", "user%2540example.com", "name_@dom-ain.vn", "-ab@x.vn",
    "ab@-x.vn", "ab@x.v", "@@", "x@", "0912345678@gmail.com", "%ab@x.vn", "tran_thi.b@so-tttt.hanoi.gov.vn",
]
NUMBERS = [
    "001099012345", "079195004567", "0912345678", "84912345678", "+84 91 234 5678", "+84912345678", "84 91 234 5678",
    "0912 345 678", "0912.345.678", "0912-345-678", "091 234 5678", "091.234.5678", "4111 1111 1111 1111",
    "4111-1111-1111-1111", "4111111111111111", "0100109106-001", "cmnd=123456789", "so_bhxh=0123456789",
    "mst=0100109106", "bhyt: HS4010123456789", "ma_the_bhyt=DN4010123456789", "order_id=0912345678",
    "ts=1732412345678", "14.162.33.10", "209.85.218.41", "1.004227", "H12.345-261124-0001", "total=1.0912345678",
    "tel=02436789123", "123456789", "12 345 678 901", "840 bytes", "36190001234", "001203004567,079195004567",
    "09١٢٣٤٥٦٧٨", "٠٩١٢٣٤٥٦٧٨", "０９１２３４５６７８",  # other scripts' digits
    "0912%33%34%35678", "0912+345+678", "%30912345678", "cccd%3D001099012345", "sdt%3D%2B84912345678",  # escaped
]
FILLER = [
    "cmd=Auth; account=", "to=<", ">", ", relay=mail.x[10.10.0.12]:7025", " Phạm Văn Đ ", "size=840 bytes",
    "?q=a+b&", "&", "=", " ", "[", "]", ";", "%20", "/dvc/tra-cuu?soDinhDanh=", "msgid=<", "日本",
    "Nguyễn Thị Hồng", "x", "CMND số ", "invoice_no=", "%", "+", ".", "-", "ᾀ", "\u0301",
]


def texts(n: int = 3000, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    pools = [EMAILS, NUMBERS, FILLER, FILLER]
    out = [*EMAILS, *NUMBERS, *FILLER]
    for _ in range(n):
        out.append("".join(rnd.choice(rnd.choice(pools)) for _ in range(rnd.randint(1, 7))))
    return out


@contextmanager
def gates_open() -> Iterator[None]:
    """pii._numbers with its gates always open: every detector scans the whole text."""
    saved = pii._NINE_DIGITS, pii._GROUPED, pii._INTL
    pii._NINE_DIGITS = pii._GROUPED = pii._INTL = re.compile("")
    try:
        yield
    finally:
        pii._NINE_DIGITS, pii._GROUPED, pii._INTL = saved


def ref_find(text: str | None, types=None, today: date | None = None, url_decode: bool = True) -> list[tuple]:
    """Every detector on the whole text."""
    if not text:
        return []
    if url_decode:
        text = pii.decode(text)
    wanted = set(types if types is not None else pii.TYPES)
    found = []
    if "email" in wanted:
        for m in pii._EMAIL.finditer(text):
            if (address := pii._mailbox(m.group(1))) is not None:
                found.append(pii.Match("email", address, m.start(1), m.end(1)))
    with gates_open():
        found += [m for m in pii._numbers(text, today) if m.type in wanted]
    return [tuple(m) for m in sorted(found, key=lambda m: m.start)]


def ref_redact(text: str | None, types=None, today: date | None = None) -> str | None:
    if not text:
        return text
    plain, matches = text, ref_find(text, types, today, url_decode=False)
    decoded = ref_find(text, types, today)
    if len(decoded) > len(matches):
        plain, matches = pii.decode(text), decoded
    if not matches:
        return text
    out, last = [], 0
    for kind, value, start, end in matches:
        out += [plain[last:start], pii.mask(value, kind)]
        last = end
    return "".join([*out, plain[last:]])


def ref_summarise(texts: list[str | None], s: pii_enrich.PiiSettings, today: date) -> tuple | None:
    present = [t for t in texts if t]
    present = [t for i, t in enumerate(present)
               if not any(t in o and (len(o) > len(t) or j < i) for j, o in enumerate(present) if j != i)]
    matches = [m for t in present for m in ref_find(t, s.types, today)]
    if not matches:
        return None
    distinct = list(dict.fromkeys((kind, value) for kind, value, _, _ in matches))
    examples = list(dict.fromkeys(pii.mask(v, k) for k, v in distinct))[: s.examples]
    return sorted({m[0] for m in matches}), len(matches), len(distinct), examples


def test_gates_hold_on_every_detector_match():
    """No match of a number detector starts earlier than its gate's first match allows (see pii._numbers)."""
    guarded = [(pii._DIGITS, pii._NINE_DIGITS, 0), (pii._TAX_BRANCH, pii._NINE_DIGITS, 0), (pii._BHYT, pii._NINE_DIGITS, 2),
               (pii._CARD_SPACED, pii._GROUPED, 1), (pii._PHONE_SPACED, pii._GROUPED, 1), (pii._PHONE_INTL, pii._INTL, 1)]
    checked = 0
    for text in texts():
        for plain in {text, pii.decode(text)}:
            for detector, gate, back in guarded:
                for m in detector.finditer(plain):
                    first = gate.search(plain)
                    assert first is not None and m.start() >= first.start() - back, (detector.pattern, plain)
                    checked += 1
    assert checked > 1000


def test_find_and_redact_match_the_reference():
    today = date(2026, 11, 24)
    for text in texts():
        expected = ref_find(text, today=today)
        assert [tuple(m) for m in pii.find(text, today=today)] == expected, text
        some = ["email", "phone"]
        assert [tuple(m) for m in pii.find(text, some, today)] == ref_find(text, some, today)
        assert [tuple(m) for m in pii.find(text, today=today, url_decode=False)] == ref_find(text, None, today, False)
        assert pii.redact(text, today=today) == ref_redact(text, today=today), text


def test_duckdb_number_hint_matches_python():
    """find() told the DuckDB answer (pii.MAYBE_NUMBER_RE2 unless UNDECIDED_RE2) finds what the reference finds."""
    today = date(2026, 11, 24)
    con = connect()
    seen = {True: 0, False: 0, None: 0}
    for text in texts():
        hint = con.execute(f"SELECT CASE WHEN NOT regexp_matches($t, {literal(pii.UNDECIDED_RE2)}) "
                           f"THEN regexp_matches($t, {literal(pii.MAYBE_NUMBER_RE2)}) END", {"t": text}).fetchone()[0]
        seen[hint] += 1
        if hint is not None:
            assert hint == bool(pii._MAYBE_NUMBER.search(pii.decode(text))), text
        assert [tuple(m) for m in pii.find(text, today=today, maybe_number=hint)] == ref_find(text, today=today), text
    assert all(n > 100 for n in seen.values()), seen  # the texts exercise every answer


@pytest.mark.parametrize(("redact", "columns_exist"), [(False, False), (True, False), (False, True)])
def test_enricher_matches_the_reference(tmp_path: Path, redact: bool, columns_exist: bool):
    """Rows of url.original / url.query / message (a query inside its URL, equal texts, NULLs), with per-system
    settings that reorder the fields, narrow the types or switch the enricher off; rows deleted before (rowid gaps,
    as the engine drops undated events); the soc.pii columns added by the enricher (staged) or already there."""
    rnd = random.Random(3)
    pool = texts(1500, seed=11)
    rows = []
    for i in range(1500):
        query = rnd.choice([None, "", rnd.choice(pool)])
        url = rnd.choice([None, rnd.choice(pool), f"/p?{query or ''}", query])
        message = rnd.choice([None, rnd.choice(pool), url])
        system = rnd.choice([None, "Cổng", "Mail", "Off", "Other"])
        rows.append((i, url, query, message, system, f"{url} {message}"))
    ws = Workspace()
    con = ws._con  # the test builds its batch with SQL on the workspace's own connection
    con.execute('CREATE TABLE batch (n BIGINT, "url.original" VARCHAR, "url.query" VARCHAR, message VARCHAR, '
                '"soc.system" VARCHAR, "event.original" VARCHAR)')
    con.executemany("INSERT INTO batch VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("DELETE FROM batch WHERE n % 13 = 5")
    rows = [r for r in rows if r[0] % 13 != 5]
    if columns_exist:
        for name, ftype in pii_enrich.OUT_COLUMNS.items():
            con.execute(f'ALTER TABLE batch ADD COLUMN "{name}" {ftype}')
    raw = {"pii": {"redact": redact, "examples": 2, "systems": {
        "Cổng": {"fields": ["message", "url.original"]},
        "Mail": {"fields": ["message"], "types": ["email", "phone"], "examples": 0},
        "Off": {"enabled": False},
    }}}
    cfg = from_dict(raw, data_dir=tmp_path)
    prefilter = " OR ".join(f"coalesce(regexp_matches({c}, {literal(pii_enrich.PREFILTER)}), false)"
                            for c in ('"url.original"', '"url.query"', "message"))
    passes = [r[0] for r in con.execute(f"SELECT {prefilter} FROM batch ORDER BY n").fetchall()]  # unchanged
    pii_enrich.enrich(MappedBatch(ws, "batch", cfg, EventStore(tmp_path)))
    types = {name: ftype for name, ftype, *_ in con.execute("DESCRIBE batch").fetchall()}
    assert {k: types[k] for k in pii_enrich.OUT_COLUMNS} == pii_enrich.OUT_COLUMNS
    base, systems = pii_enrich.settings(cfg)
    today = date.today()
    got = con.execute('SELECT "url.original", "url.query", message, "event.original", "soc.pii.types", '
                      '"soc.pii.count", "soc.pii.distinct", "soc.pii.examples" FROM batch ORDER BY n').fetchall()
    found = 0
    for (_, url, query, message, system, original), passed, row in zip(rows, passes, got, strict=True):
        s = systems.get(system, base)
        texts_by_field = {"url.original": url, "url.query": query, "message": message}
        expected = None
        if s.enabled and passed:
            expected = ref_summarise([texts_by_field.get(f) for f in s.fields], s, today)
        assert (tuple(row[4:]) if row[4] is not None else None) == (expected and tuple(expected)), row
        found += expected is not None
        scanned = (url, query, message, original)
        if redact and expected is not None:
            want = [ref_redact(t, s.types, today) if f in s.fields else t for f, t in texts_by_field.items()]
            if "event.original" not in s.fields:
                want.append(ref_redact(original, s.types, today))
            assert tuple(row[:4]) == tuple(want)
        else:
            assert tuple(row[:4]) == scanned
    assert found > 300
