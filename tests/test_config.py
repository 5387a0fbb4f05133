"""Configuration: the README's example parses and loads, env overrides, data-dir config, TOML round trip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from soc import config
from soc.report.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_config_loads():
    block = re.search(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    cfg = config.from_dict(tomllib.loads(block))
    assert cfg.systems[0].level == 3 and cfg.systems[0].paths == ("/var/log/nginx/dichvucong*",)
    profile = load_profile(cfg)
    assert profile["agency_short"] == "SKHCN" and profile["breach"]["deadline_hours"] == 72
    assert profile["breach"]["authority"].startswith("Cục An ninh mạng")  # defaults kept under overrides


def test_bad_config_names_file(tmp_path):
    bad = tmp_path / "soc.toml"
    bad.write_text("[province\nname = 1")
    with pytest.raises(config.ConfigError, match="soc.toml: invalid TOML"):
        config.load(bad)
    bad.write_text('[[systems]]\ntype = "portal"\n')
    with pytest.raises(config.ConfigError, match=r"systems\[0\] has no 'name'"):
        config.load(bad)


def test_data_dir_carries_its_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOC_CONFIG", raising=False)
    raw = {"province": {"name": "Tỉnh \"Thử\""}, "systems": [{"name": "Cổng", "ips": ["10.0.0.1"], "level": 2}]}
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "soc.toml").write_text(config.dump_toml(raw), encoding="utf-8")
    cfg = config.load(data_dir=tmp_path / "d")
    assert cfg.province == 'Tỉnh "Thử"' and cfg.systems[0].ips == ("10.0.0.1",)
    monkeypatch.setenv("SOC_TIMEZONE", "UTC")
    assert config.load(data_dir=tmp_path / "d").timezone == "UTC"
