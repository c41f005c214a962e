"""The package version, importable from any layer."""

from __future__ import annotations

VERSION = "0.1.0"
