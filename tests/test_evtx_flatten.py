"""The compiled EVTX flattener (soc/ingest/_winlog.c) gives exactly what evtx.flatten_py gives: on the records the
real parser renders from the shipped sample, and on random documents of every JSON shape in every place."""

from __future__ import annotations

import random

import pytest

from soc.ingest import evtx
from soc.ingest.jsontext import loads
from soc.ingest.parser import all_parsers

try:
    from soc.ingest._winlog import flatten as flatten_c
except ImportError:  # pragma: no cover - depends on the install
    flatten_c = None

needs_c = pytest.mark.skipif(flatten_c is None or evtx._flatten_c is None,
                             reason="LOUD: soc/ingest/_winlog.c is not built (no C compiler at install time?) or "
                                    "SOC_PURE_PYTHON is set: EVTX records are flattened in Python, slower")

SAMPLE = all_parsers()["windows_evtx"].samples_dir / "security_system_sysmon.evtx"
NAMES = ["Data", "Binary", "#attributes", "#text", "TargetUserName", "param1", "SystemTime", "Name", "Guid",
         "UserID", "ProcessID", "ThreadID", "", "tên", "a.b"]
SYSTEM = ["Provider", "EventID", "TimeCreated", "Channel", "Computer", "EventRecordID", "Level", "Task", "Opcode",
          "Keywords", "Version", "Execution", "Security"]


def _same(doc, written):
    """Both give the same dict (same keys in the same order), or both refuse the document."""
    try:
        want = list(evtx.flatten_py(doc, written).items())
    except (AttributeError, TypeError) as exc:
        with pytest.raises((AttributeError, TypeError)):
            flatten_c(doc, written)
        return type(exc)
    assert list(flatten_c(doc, written).items()) == want, doc
    return None


def _value(rnd: random.Random, depth: int = 0):
    k = rnd.randrange(12 if depth < 3 else 7)
    if k == 0:
        return None
    if k == 1:
        return rnd.choice([True, False])
    if k == 2:
        return rnd.randrange(-10**20, 10**20)
    if k == 3:
        return rnd.choice([0.5, -1e300, 1e-7, 0.0, 3.0])
    if k in (4, 5, 6):
        return rnd.choice(["", "-", "x", "Tên người dùng", "a\nb", "\x00", "𝒳", "S-1-5-18"])
    if k in (7, 8):
        return [_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return {rnd.choice(NAMES): _value(rnd, depth + 1) for _ in range(rnd.randrange(4))}


def _document(rnd: random.Random):
    system = {name: _value(rnd) for name in rnd.sample(SYSTEM, rnd.randrange(len(SYSTEM) + 1))}
    for name in ("Provider", "TimeCreated", "Execution", "Security"):
        if name in system and rnd.random() < 0.5:  # the usual shape: an element with attributes
            system[name] = {"#attributes": {n: _value(rnd) for n in rnd.sample(NAMES, 3)}}
    event = {"System": system if rnd.random() < 0.9 else _value(rnd)}
    if rnd.random() < 0.8:
        event["EventData"] = {rnd.choice(NAMES): _value(rnd) for _ in range(rnd.randrange(6))}
    if rnd.random() < 0.3:
        event["UserData"] = {"LogFileCleared": {n: _value(rnd) for n in rnd.sample(NAMES, 3)}, "x": _value(rnd)}
    return {"Event": event if rnd.random() < 0.95 else _value(rnd)}


@needs_c
def test_same_as_python_on_the_parsers_records():
    import evtx as pyevtx

    records = list(pyevtx.PyEvtxParser(str(SAMPLE)).records_json())
    assert len(records) >= 10
    for rec in records:
        assert _same(loads(rec["data"]), rec["timestamp"]) is None


@needs_c
def test_same_as_python_on_random_documents():
    rnd = random.Random(11)
    refused = 0
    for _ in range(30_000):
        refused += _same(_document(rnd), rnd.choice([None, "2026-11-24 01:00:00.000000"])) is not None
    for doc in ({}, {"Event": None}, {"Event": []}, {"Event": "x"}, {"Event": {"System": [1]}},
                {"Event": {"System": {"Provider": {"#attributes": None}}}},
                {"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": ""}}}}}):
        _same(doc, "written")
    assert 0 < refused < 30_000 // 2  # the fuzz reaches both the refusals and the normal shapes


@needs_c
def test_deep_nesting_is_an_error_not_a_crash():
    value: object = "x"
    for _ in range(100_000):
        value = [value]
    with pytest.raises(RecursionError):
        flatten_c({"Event": {"EventData": {"A": value}}}, None)
