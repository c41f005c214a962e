"""What a loaded model and an ML framework adapter offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class Predictor(Protocol):
    """A loaded model, ready to predict."""

    def predict(self, data: Any) -> Any: ...


class Flavor(Protocol):
    """How one ML framework's models are saved, loaded and called."""

    name: str

    def handles(self, model: object) -> bool: ...

    def save(self, model: object, path: Path) -> dict[str, Any]:
        """Write *model* into the empty folder *path*; return options ``load`` needs."""
        ...

    def load(self, path: Path, options: dict[str, Any]) -> Predictor: ...

    def native(self, predictor: Predictor) -> object:
        """The framework's own object behind *predictor*."""
        ...
