"""Packaging detail pyproject.toml cannot say alone: the top-level parsers/ and rules/ folders ship inside the wheel
as soc/_parsers and soc/_rules, so a non-editable install finds them (soc/paths.py looks there); and the optional C
helpers (soc/_fastcols.c for Arrow columns, soc/ingest/_winlog.c for EVTX records: without a compiler the install
goes on, pure Python); and the pySigma plugin (plugin/sigma/…: our backend and pipelines for sigma-cli, found by
pySigma's discovery of the sigma.backends / sigma.pipelines namespaces)."""

from setuptools import Extension, find_packages, setup

setup(
    packages=[*find_packages(include=["soc", "soc.*"]), "soc._parsers", "soc._rules",
              "sigma.backends.soc", "sigma.pipelines.soc"],
    package_dir={"soc._parsers": "parsers", "soc._rules": "rules",
                 "sigma.backends.soc": "plugin/sigma/backends/soc", "sigma.pipelines.soc": "plugin/sigma/pipelines/soc"},
    package_data={
        "soc": ["**/*.tcss", "**/*.yml", "**/*.yaml"],
        "soc._parsers": ["*.yml", "samples/**/*"],
        "soc._rules": ["**/*"],
    },
    include_package_data=False,
    ext_modules=[Extension(name, [f"{name.replace('.', '/')}.c"], optional=True, extra_compile_args=["-O2"])
                 for name in ("soc._fastcols", "soc.ingest._winlog")],
)
