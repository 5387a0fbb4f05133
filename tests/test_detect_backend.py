"""The DuckDB backend, modifier by modifier, on real DuckDB over a real EventStore (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect_helpers import event, store
from sigma.collection import SigmaCollection

from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.store.embedded import EventStore

EVENTS = [
    event(message="plain", url__original="/Index.PHP?id=1", url__path="/Index.PHP", http__response__status_code=200,
          source__ip="10.0.1.7", user_agent__original="Mozilla/5.0", http__request__method="GET",
          event__original="GET /Index.PHP?id=1 it's here", event__category=["web"], user__name="Alice",
          user__effective__name="alice"),
    event(message="quote", url__original="/a'b%c_d\\e", url__path="/a'b%c_d\\e", http__response__status_code=404,
          source__ip="10.0.3.9", user_agent__original="sqlmap/1.7", http__request__method="POST",
          event__original="POST /a'b%c_d\\e", event__category=["web", "network"]),
    event(message="viet", url__original="/tin-tuc/NỔ-HŨ?q=x", url__path="/tin-tuc/NỔ-HŨ", http__response__status_code=500,
          source__ip="192.168.1.1", user_agent__original="curl/8.0", event__original="GET /tin-tuc/NỔ-HŨ",
          url__query="cmd=d2hvYW1p"),
    event(message="auth", event__dataset="system.auth", user__name="root", source__ip="10.0.1.8",
          event__original="Failed password for root", system__auth__sudo__command="/bin/bash"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    data_dir: Path = tmp_path_factory.mktemp("events")
    store(data_dir, EVENTS)
    return EventStore(data_dir).open_events(need=["http.request.cookie"])


def matches(con, detection: str, logsource: str = "category: webserver") -> set[str]:
    rule = f"""
title: t
id: 00000000-0000-0000-0000-000000000001
logsource: {{{logsource}}}
detection:
{detection}
"""
    (sql,) = DuckDBBackend(ecs_pipeline()).convert(SigmaCollection.from_yaml(rule))
    return {row[0] for row in con.execute(f"SELECT message FROM ({sql})").fetchall()}


def sel(body: str) -> str:
    return "  sel:\n" + "\n".join("    " + line for line in body.strip().splitlines()) + "\n  condition: sel"


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        (sel("cs-uri-stem: /index.php"), {"plain"}),  # equality is case-insensitive
        (sel("cs-uri-stem|cased: /index.php"), set()),
        (sel("cs-uri-stem|cased: /Index.PHP"), {"plain"}),
        (sel("cs-uri|contains: 'id='"), {"plain"}),
        (sel("cs-uri|startswith: '/INDEX'"), {"plain"}),
        (sel("cs-uri|endswith: '?q=X'"), {"viet"}),
        (sel("cs-uri|contains: 'nổ-hũ'"), {"viet"}),  # Unicode case folding
        (sel("cs-uri|contains|all: ['index', 'id=1']"), {"plain"}),
        (sel("cs-uri|contains|all: ['index', 'id=2']"), set()),
        (sel("cs-uri: '/Index.?HP*'"), {"plain"}),  # ? and * wildcards
        (sel("cs-uri: '/a''b%c_d\\\\e'"), {"quote"}),  # quote, LIKE metacharacters and backslash are literal
        (sel("cs-uri: '/a''b_c%d\\\\e'"), set()),
        (sel("cs-uri: '/a\\*'"), set()),  # escaped wildcard is a literal star
        (sel("cs-uri|re: '^/Index\\.PHP'"), {"plain"}),
        (sel("cs-uri|re: '^/index\\.php'"), set()),  # re is case-sensitive...
        (sel("cs-uri|re|i: '^/index\\.php'"), {"plain"}),  # ...unless i
        (sel("cs-uri|re|s|m: 'x$'"), {"viet"}),
        (sel("c-ip|cidr: 10.0.0.0/23"), {"plain"}),
        (sel("c-ip|cidr: 10.0.0.0/16"), {"plain", "quote"}),
        (sel("sc-status|gte: 404"), {"quote", "viet"}),
        (sel("sc-status|gt: 404"), {"viet"}),
        (sel("sc-status|lt: 404"), {"plain"}),
        (sel("sc-status|lte: 404"), {"plain", "quote"}),
        (sel("sc-status: 200"), {"plain"}),
        (sel("sc-status: '2*'"), {"plain"}),  # string pattern on a numeric column
        (sel("cs-user-agent|contains: ['SQLMAP', 'CURL']"), {"quote", "viet"}),
        (sel("cs-uri-query|exists: true"), {"viet"}),
        (sel("cs-uri-query: null"), {"plain", "quote"}),
        (sel("cs-uri-query|base64: whoami"), set()),
        (sel("cs-uri-query|base64offset|contains: whoami"), {"viet"}),
        (sel("cs-username|fieldref: user.effective.name"), {"plain"}),  # case-insensitive field comparison
        (sel("event.category: network"), {"quote"}),  # array column: any element
        (sel("event.category|contains: WE"), {"plain", "quote"}),
        (sel("http.request.cookie|contains: x"), set()),  # unknown field exists as NULL
        ("  kw:\n    - \"it's\"\n  condition: kw", {"plain"}),  # keywords search event.original
        ("  kw:\n    - '/a''b%c_d'\n  condition: kw", {"quote"}),
        ("  sel:\n    cs-method: GET\n  flt:\n    cs-uri-query|contains: cmd\n  condition: sel and not flt", {"plain"}),
        # "not" over an absent field keeps the event (null-safe negation)
        ("  sel:\n    cs-uri|contains: '/'\n  flt:\n    cs-uri-query: x\n  condition: sel and not flt", {"plain", "quote", "viet"}),
    ],
)
def test_modifiers(con, detection: str, expected: set[str]):
    assert matches(con, detection) == expected


def test_windash_expands_dash_variants(con):
    assert matches(con, sel("cs-uri|windash|contains: '-hũ'")) == {"viet"}


def test_logsource_pins_dataset(con):
    # A webserver rule never matches auth events, even on a field both have.
    assert matches(con, sel("c-ip|startswith: '10.0.1.'")) == {"plain"}
    auth = "product: linux, service: sudo"
    assert matches(con, sel("CommandLine|endswith: /bash"), logsource=auth) == {"auth"}
    assert matches(con, sel("User: ROOT"), logsource=auth) == {"auth"}
    assert matches(con, "  kw:\n    - 'Failed password'\n  condition: kw", logsource="product: linux, service: sshd") == {
        "auth"
    }


def test_sql_is_quoted_and_escaped():
    rule = """
title: t
logsource: {category: webserver}
detection:
  sel:
    cs-uri|contains: "x' OR 1=1; --"
  condition: sel
"""
    (sql,) = DuckDBBackend(ecs_pipeline()).convert(SigmaCollection.from_yaml(rule))
    assert 'contains(lower("url.original"), lower(\'x\'\' OR 1=1; --\'))' in sql
    assert '"event.dataset"' in sql
