"""Measure (not in CI): SigmaHQ Windows rules over real EVTX files, our DuckDB backend against pySigma's SQLite
backend (Zircolite's approach) per rule, and SigmaHQ's regression samples' fire rate.

    python bench/sigmahq_agreement.py [--evtx /work/ext/evtx-attack] [--sigma /work/ext/sigma] [--limit N]

Prints per-rule agreement counts (rules that agree with matches, agree with none, differ, fail to convert), the
rules that differ with both sides' counts, the rules that test a field no record carries, and for
regression_data (each .evtx with the rule it must fire) how many fire, among those whose log source we map.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sigma_peer  # noqa: E402
import yaml  # noqa: E402

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.store.embedded import EventStore  # noqa: E402


def ingest(files: list[Path], data: Path) -> EventStore:
    cfg = from_dict({"ingest": {"decode_workers": 0}}, data_dir=data)
    ingest_paths(cfg, files, parser="windows_evtx")
    return EventStore(cfg.data_dir)


def rule_texts(folder: Path, limit: int | None) -> list[tuple[str, str]]:
    files = sorted(folder.rglob("*.yml"))[:limit]
    return [(str(p.relative_to(folder)), p.read_text(encoding="utf-8")) for p in files]


def agreement(evtx_dir: Path, rules_dir: Path, limit: int | None, tmp: Path) -> None:
    files = sorted(evtx_dir.rglob("*.evtx"))
    # the corpus holds byte-identical copies (UACME_59_Sysmon.evtx twice): the store keeps one copy of an event
    # (ids by content and position), the peer one row per file: compare on distinct files only
    seen: set[bytes] = set()
    files = [f for f in files if not (f.read_bytes() in seen or seen.add(f.read_bytes()))]
    t0 = time.monotonic()
    store = ingest(files, tmp / "attack")
    db = sigma_peer.peer_db(sigma_peer.peer_rows(files))
    print(f"{len(files)} EVTX files, {db.execute('SELECT count(*) FROM logs').fetchone()[0]} events "
          f"(ingest + peer table {time.monotonic() - t0:.0f}s)")
    t0 = time.monotonic()
    outcomes = sigma_peer.compare(store, db, rule_texts(rules_dir, limit))
    kinds = Counter()
    for o in outcomes:
        if o.error:
            kinds["error"] += 1
        elif o.agree:
            kinds["agree, matching" if o.ours else "agree, no match"] += 1
        else:
            kinds["differ"] += 1
    print(f"{len(outcomes)} rules ({time.monotonic() - t0:.0f}s): " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for o in outcomes:
        if not o.error and not o.agree:
            print(f"  DIFFER {o.title}: ours {len(o.ours)}, peer {len(o.peer)}, only ours {len(o.ours - o.peer)}, "
                  f"only peer {len(o.peer - o.ours)}")
    errors = Counter(o.error.split(":")[0] for o in outcomes if o.error)
    print("errors by kind:", dict(errors))
    for o in outcomes:
        if o.error and not o.error.startswith("conversion"):
            print(f"  ERROR {o.title}: {o.error[:200]}")
    unmapped = Counter(c for o in outcomes for c in o.absent)
    rules_unmapped = [o for o in outcomes if o.absent]
    print(f"{len(rules_unmapped)} rules test a field no record of the corpus carries; the fields (rules):")
    print("  " + ", ".join(f"{c.removeprefix('winlog.event_data.')} ({n})" for c, n in unmapped.most_common()))
    for o in rules_unmapped:
        print(f"  ABSENT {o.title}: {', '.join(c.removeprefix('winlog.event_data.') for c in o.absent)}")


def regression(sigma_dir: Path, tmp: Path) -> None:
    """Each regression_data info.yml: its .evtx and the rule (by id) it must fire."""
    rules = {}
    for folder in ("rules", "rules-threat-hunting", "rules-emerging-threats"):
        for p in (sigma_dir / folder).rglob("*.yml"):
            try:
                doc = yaml.safe_load(p.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("id"):
                rules[doc["id"]] = p
    fired = supported = total = 0
    missed = []
    for info in sorted((sigma_dir / "regression_data").rglob("info.yml")):
        meta = yaml.safe_load(info.read_text(encoding="utf-8"))
        for rm in meta.get("rule_metadata", []):
            rule = rules.get(rm["id"])
            evtxs = sorted(info.parent.glob("*.evtx"))
            if rule is None or not evtxs:
                continue
            total += 1
            store = ingest(evtxs, tmp / f"reg{total}")
            out = sigma_peer.compare(store, sigma_peer.peer_db(sigma_peer.peer_rows(evtxs)),
                                     [(str(rule.relative_to(sigma_dir)), rule.read_text(encoding="utf-8"))])
            if not out or (out[0].error and out[0].error.startswith("conversion")):
                missed.append(f"unsupported {rule.name}: {out[0].error if out else 'no rule'}")
                continue
            supported += 1
            if out[0].ours:
                fired += 1
            else:
                missed.append(f"no match {rule.name} (peer {len(out[0].peer)}) {out[0].error}")
    print(f"regression_data: {total} samples, {supported} with a supported log source, {fired} fire "
          f"({100 * fired / max(supported, 1):.1f} %)")
    for m in missed:
        print("  " + m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evtx", type=Path, default=Path("/work/ext/evtx-attack"))
    ap.add_argument("--sigma", type=Path, default=Path("/work/ext/sigma"))
    ap.add_argument("--limit", type=int, default=None, help="first N rule files only")
    ap.add_argument("--skip-regression", action="store_true")
    ap.add_argument("--skip-agreement", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soc-agree-") as tmp:
        if not args.skip_agreement:
            agreement(args.evtx, args.sigma / "rules" / "windows", args.limit, Path(tmp))
        if not args.skip_regression:
            regression(args.sigma, Path(tmp))


if __name__ == "__main__":
    main()
