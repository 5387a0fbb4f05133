"""soc.yamltext reads with libyaml when PyYAML has it: every YAML file the project ships reads the same as with the
pure-Python SafeLoader (libyaml's scanner differs from PyYAML's on a few edge cases; none may reach us)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from soc import yamltext

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for d in ("parsers", "rules", "soc") for p in (ROOT / d).rglob("*.y*ml"))


def test_every_shipped_yaml_file_reads_the_same():
    assert len(FILES) > 30
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        documents = list(yaml.safe_load_all(text))
        if len(documents) == 1:
            assert yamltext.safe_load(text) == documents[0], path
        else:  # Sigma correlation rules: several documents in one file
            assert list(yaml.load_all(text, Loader=yamltext._LOADER)) == documents, path


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="LOUD: PyYAML without libyaml: YAML reads in pure Python")
def test_libyaml_is_used_where_present():
    assert yamltext._LOADER is yaml.CSafeLoader
