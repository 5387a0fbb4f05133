"""The processing pipeline that maps Sigma log sources and field names to our ECS columns.

The mapping is data (``ecs_pipeline.yml``); this module only loads it. It never decides anything per rule in code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sigma.processing.pipeline import ProcessingPipeline

PIPELINE_FILE = Path(__file__).with_name("ecs_pipeline.yml")

@cache
def _yaml() -> str:
    return PIPELINE_FILE.read_text(encoding="utf-8")


def ecs_pipeline() -> ProcessingPipeline:
    """A fresh copy of the ECS pipeline (pipelines keep per-conversion state, so never share one)."""
    return ProcessingPipeline.from_yaml(_yaml())
