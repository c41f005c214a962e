"""The client's batch scoring: ``client.score(ref, input, output)``, embedded or over HTTP.

The version is resolved once (an alias that moves during a run does not
change which version scores), loaded in this process through the client's
artifact store (the control plane's, over HTTP, for a remote client), and the
file is scored here (``engine="local"``) or on a Ray cluster (``engine="ray"``),
whose workers load the same version through a :class:`VersionLoader`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from steward.core.errors import InvalidInputError
from steward.core.registry import ModelVersion
from steward.core.scoring import DEFAULT_BATCH_SIZE, ScoreOptions
from steward.ports import ArtifactStore
from steward.services.locations import storage_options_for
from steward.services.packaging import LoadedModel, load_version
from steward.services.scoring import Progress, ScoreResult, score_file
from steward.settings import Settings

Engine = Literal["local", "ray"]
ENGINES = ("local", "ray")


@dataclass(frozen=True)
class VersionLoader:
    """Loads one version where it is called (a Ray worker): settings and a version pickle, a client not."""

    settings: Settings
    version: ModelVersion

    def __call__(self) -> LoadedModel:
        from steward.sdk.client import Client

        with Client(settings=self.settings) as client:
            return client.load(self.version)


class Versions(Protocol):
    def get_version(self, ref: str) -> ModelVersion: ...


class ScoringMethods:
    """The :class:`~steward.Client` method for batch scoring (a base class of the client)."""

    settings: Settings
    _registry: Versions
    _artifacts: ArtifactStore

    def score(
        self,
        ref: str,
        input: str | Path,
        output: str | Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        columns: Sequence[str] | None = None,
        keep_columns: bool = True,
        proba: bool = False,
        engine: Engine = "local",
        ray_address: str | None = None,
        progress: Progress | None = None,
    ) -> ScoreResult:
        """Score a Parquet or CSV file with version *ref* into a Parquet or CSV file (by extension).

        *input* and *output* are paths or fsspec URLs (``s3://bucket/in.parquet``); a URL on the
        artifacts' kind of storage is reached with the ``artifacts_options`` setting. Reads
        *batch_size* rows at a time, checks them against the version's signature, and writes the
        input's columns (unless ``keep_columns=False``), ``prediction``, ``proba_<class>`` with
        ``proba=True``, and ``model_version``. The output appears only when complete."""
        if engine not in ENGINES:
            raise InvalidInputError(f"Unknown engine {engine!r}: use 'local' or 'ray'.")
        chosen = tuple(columns) if columns is not None else None
        options = ScoreOptions(batch_size, chosen, keep_columns, proba)
        version = self._registry.get_version(ref)
        in_options, out_options = self._storage_options(input), self._storage_options(output)
        model = load_version(self._artifacts, version)
        try:
            if engine == "local":
                return score_file(
                    model,
                    input,
                    output,
                    options,
                    progress=progress,
                    input_options=in_options,
                    output_options=out_options,
                )
            from steward.services.ray_scoring import score_with_ray

            loader = VersionLoader(self.settings, version)
            return score_with_ray(
                model,
                loader,
                input,
                output,
                options,
                address=ray_address,
                progress=progress,
                input_options=in_options,
                output_options=out_options,
            )
        finally:
            model.close()

    def _storage_options(self, location: str | Path) -> dict[str, Any]:
        return storage_options_for(location, self.settings.artifacts, self.settings.artifacts_options)
