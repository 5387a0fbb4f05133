"""The C helpers of the line decoders (soc/_fastcols.c) give exactly what their Python equivalents give,
on the parsers' samples and on hostile, random texts."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from soc import fastcols
from soc.ingest.jsontext import as_text, flat_object
from soc.paths import parsers_dir

try:
    from soc import _fastcols as C
except ImportError:  # pragma: no cover - depends on the install
    C = None

needs_c = pytest.mark.skipif(C is None or not fastcols.COMPILED,
                             reason="LOUD: soc/_fastcols.c is not built (no C compiler at install time?) or "
                                    "SOC_PURE_PYTHON is set: ingest runs the slower pure-Python loops")

SAMPLES = Path(parsers_dir()) / "samples"
PIECES = ['a', 'Zk', '_', '=', '"', '\\', '\n', ' ', ',', '.', '-', '1', 'é', '\u00a0', '\u2003', 'x=', 'k="',
          '\\"', 'ß', '𝒳', '\t', '\x00', 'tên=', '٣', '\\\\']


def _random_texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 40))) for _ in range(n)]


def _sample_lines(*names: str) -> list[str]:
    return [line for name in names for f in sorted((SAMPLES / name).glob("*.log"))
            for line in f.read_text(encoding="utf-8").splitlines()]


@needs_c
@pytest.mark.parametrize("comma", [False, True])
def test_kv_pairs_same_as_regex(comma):
    texts = _sample_lines("fortigate", "keycloak", "cef") + _random_texts(30_000, seed=7)
    texts += ['a="unterminated', 'a="x\\\ny" b=2', 'k="esc \\" q \\\\ b" z=1', 'k=1 k=2', '9abc=1 -d=2 .e=3',
              'a.b c=1', 'a==b', 'k=""', 'k="" next=1', 'x' * 5000 + '=1']
    for text in texts:
        assert C.kv_pairs(text, comma) == fastcols.kv_pairs_py(text, comma), text


@needs_c
def test_flatten_and_huge_floats_same_as_python():
    docs = [json.loads(line) for line in _sample_lines("windows_json", "nginx_json") if line.startswith("{")]
    docs += [{"a": {"b": 1, "c": {"d": None, "e": [1, {"x": 1}]}}, "a.b": 2, "q": {}},
             {"n": 123456789012345678901234567890.0}, {"l": [[1e300]]}, {"f": -1e19}, {"f": 1.5}, {}]
    for doc in docs:
        assert C.flatten(doc) == fastcols.flatten_py(doc)
        assert C.has_huge_float(doc) == fastcols.has_huge_float_py(doc), doc
    deep: dict = {}
    node = deep
    for _ in range(1500):
        node["k"] = node = {}
    with pytest.raises(RecursionError):
        C.flatten(deep)


@needs_c
def test_columns_same_arrow_arrays_as_python():
    rnd = random.Random(3)
    values = [None, "", "plain", "Nguyễn Văn Ánh", "nul\x00inside", "𝒳" * 3, 42, 1.5, True, ["a", 1], {"k": "v"}]
    names = ["a", "b", "c", "never"]
    docs = [{n: rnd.choice(values) for n in names[:3] if rnd.random() < 0.7} for _ in range(5000)]
    docs += [{}, {"a": None}, {f"x{i}": i for i in range(20)} | {"b": "wide doc"}]  # more keys than names
    got = fastcols._columns_c(docs, names, as_text)
    want = fastcols.columns_py(docs, names, as_text)
    for name, g, w in zip(names, got, want, strict=True):
        assert g.type == pa.string() and g.equals(w), name
    assert got[3].null_count == len(docs)
    with pytest.raises(TypeError):
        C.columns([{"a": 1}], ["a"], lambda v: 5)  # to_text must give text


def test_flat_object_reads_like_the_json_module():
    """orjson does the reading; what it refuses or would round (huge integers) is read by json, as before."""
    assert flat_object('{"a": 123456789012345678901234567890}') == {"a": "123456789012345678901234567890"}
    assert flat_object('{"a": {"b": [1, 99999999999999999999999]}}') == {"a.b": "[1, 99999999999999999999999]"}
    assert flat_object('{"a": NaN, "b": 1.5, "c": true}') == {"a": "nan", "b": "1.5", "c": "True"}
    assert flat_object('{"x": "a\\ud800b", "y": "\\ud83d\\ude00"}') == {"x": "a\ufffdb", "y": "😀"}  # lone: U+FFFD
    assert flat_object("[1]") == "JSON value is not an object"
    assert flat_object("{bad").startswith("invalid JSON: Expecting property name")
    assert flat_object("[" * 100_000) == "invalid JSON: nested too deep"
    assert flat_object('{"a":' * 1500 + "1" + "}" * 1500) in ("invalid JSON: nested too deep",
                                                               "JSON object nested too deep")


@pytest.mark.parametrize("parser_name", ["fortigate", "keycloak"])
def test_kv_decoder_columns_path_same_as_line_by_line(parser_name):
    """The kv decoder's column path (kv_columns + header fields over them) gives the rows, failures and columns
    of the line-by-line path (kv_pairs per line, then fastcols.columns)."""
    from soc.ingest.lines import LineDecoder
    from soc.ingest.parser import all_parsers
    from soc.ingest.registry import decoder_for

    parser = all_parsers()[parser_name]
    body = 'date=2026-11-24 time=08:00:00 tz="+0700" logid="0000000013" type="traffic" srcip=10.0.0.1 msg="a \\"b\\""'
    lines = _sample_lines(parser_name) + [
        f"<189>{body}", body, f"Nov 24 08:00:00 relay01 {body}", f"<14>1 2026-11-24T08:00:00Z fgt - - - - {body}",
        "<189>date=2026-11-24 time=08:00:00 no-logid-here=1", "<garbage", f"{body} syslog_pri=666",
        f"<190>{body} syslog_pri=666", 'logid=1 type=x date="" time=08:00', "Tên=ờ logid=2 type=y"]
    lines += [line.replace("logid", "logıd") for line in lines[:3]] + _random_texts(2000, seed=11)
    decoder = decoder_for(parser)
    fast, slow = decoder.decode(lines), LineDecoder.decode(decoder, lines)
    assert fast.rows == slow.rows and sorted(fast.failures) == sorted(slow.failures)
    assert fast.columns.keys() == slow.columns.keys()
    for name in fast.columns:
        assert fast.values(name) == slow.values(name), name


@needs_c
def test_text_and_int_columns_same_as_pyarrow():
    rnd = random.Random(5)
    values = [None, "", "plain", "Nguyễn Văn Ánh", "nul\x00inside", "𝒳" * 3, 42, 1.5, True, ["a", 1]]
    for n in (0, 1, 7, 8, 9, 5000):
        texts = [rnd.choice(values) for _ in range(n)]
        got = fastcols._text_column_c(texts, as_text)
        assert got.type == pa.string() and got.equals(fastcols.text_column_py(texts, as_text)), n
        ints = [rnd.randrange(-2**63, 2**63) for _ in range(n)]
        assert fastcols.int_column(ints).equals(pa.array(ints, pa.int64()))
        assert fastcols.int_column([i % 2**31 for i in ints], "i").equals(pa.array([i % 2**31 for i in ints], pa.int32()))
    assert fastcols._text_column_c([None, None], as_text).null_count == 2


@needs_c
def test_ingest_does_not_make_pyarrow_import_pandas(tmp_path):
    """pa.array() and pa.scalar() of Python values make pyarrow import pandas: about 0.3 s of every `soc ingest`
    run (cron runs it every few minutes). The ingest path builds its Arrow columns without them."""
    import subprocess
    import sys

    evtx = next((SAMPLES / "windows_evtx").glob("*.evtx"))
    logs = [str(evtx), *(str(next((SAMPLES / name).glob("*.log"))) for name in ("fortigate", "cef", "windows_json"))]
    code = ("import sys; from pathlib import Path; from soc.config import from_dict; "
            "from soc.enrich.pipeline import ingest_paths; "
            f"s = ingest_paths(from_dict({{'data_dir': {str(tmp_path / 'data')!r}}}), [Path(p) for p in {logs!r}]); "
            "print(s.stored, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 30 and out[1] == "False", out


@pytest.mark.skipif(bool(os.environ.get("SOC_PURE_PYTHON")) or not (shutil.which("cc") or shutil.which("gcc")),
                    reason="no C compiler here (or SOC_PURE_PYTHON set): the pure-Python loops are expected")
def test_extension_is_built_where_a_compiler_is():
    """setup.py builds the extension as optional (an install without a compiler must succeed), so a C file that
    stops compiling would silently cost the speed: here it fails a test instead."""
    assert fastcols.COMPILED, "soc/_fastcols.c did not build: run `pip install -e .` and read the compiler errors"
    from soc.ingest import evtx

    assert evtx._flatten_c is not None, "soc/ingest/_winlog.c did not build: run `pip install -e .` and read the errors"


def test_lone_surrogate_escape_is_stored_not_fatal(tmp_path):
    """A JSON line with a lone ``\\ud800`` escape (hostile or broken: no UTF-8 can hold it) is stored with U+FFFD;
    it used to stop the ingest of the whole file with a UnicodeEncodeError."""
    from soc.config import from_dict
    from soc.enrich.pipeline import ingest_paths

    line = (SAMPLES / "nginx_json").glob("*.log").__next__().read_text(encoding="utf-8").splitlines()[0]
    doc = json.loads(line)
    doc["request_uri"] = "/x\ud800y"
    log = tmp_path / "access.log"
    log.write_text("\n".join([line, json.dumps(doc), line]) + "\n", encoding="utf-8")
    summary = ingest_paths(from_dict({"data_dir": str(tmp_path / "data")}), [log], parser="nginx_json")
    assert (summary.read, summary.stored, summary.deadlettered) == (3, 3, 0)
