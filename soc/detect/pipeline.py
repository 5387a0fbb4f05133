"""The processing pipeline that maps Sigma log sources and field names to our ECS columns.

The mapping is data: ``ecs_pipeline.yml`` plus one file per further log-source family in ``pipelines/*.yml``
(e.g. windows.yml, network.yml), chained in name order. This module only loads them; it never decides per rule.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

from sigma.processing.pipeline import ProcessingPipeline

from soc import yamltext

PIPELINE_FILE = Path(__file__).with_name("ecs_pipeline.yml")
PIPELINES_DIR = Path(__file__).with_name("pipelines")


@cache
def _yamls() -> tuple[dict, ...]:
    files = [PIPELINE_FILE, *sorted(PIPELINES_DIR.glob("*.yml"))]
    return tuple(yamltext.safe_load(f.read_text(encoding="utf-8")) for f in files)  # parsed once per process


def ecs_pipeline() -> ProcessingPipeline:
    """A fresh copy of the ECS pipeline (pipelines keep per-conversion state, so never share one)."""
    pipeline = ProcessingPipeline()
    for data in _yamls():
        pipeline = pipeline + ProcessingPipeline.from_dict(copy.deepcopy(data))
    return pipeline
