"""pySigma plugin: soc's processing pipelines for sigma-cli (``sigma list pipelines`` shows ``soc_ecs``).

The pipeline is soc.detect.pipeline.ecs_pipeline (every log-source family's YAML, chained); allowed with our backend
(``soc``) and the backends its YAML names.
"""

from __future__ import annotations

from sigma.processing.pipeline import ProcessingPipeline

from soc.detect.pipeline import ecs_pipeline

__all__ = ["pipelines"]


def soc_pipeline() -> ProcessingPipeline:
    """Sigma taxonomy (Windows, Linux, web, network, e-gov …) → the soc event store's ECS columns."""
    pipeline = ecs_pipeline()
    pipeline.name = "soc: Sigma log sources and fields → soc ECS columns"
    pipeline.allowed_backends = frozenset(pipeline.allowed_backends | {"soc"})
    return pipeline


pipelines = {"soc_ecs": soc_pipeline}
