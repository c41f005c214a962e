"""The web console: server-rendered pages beside the REST API, served by ``steward server`` at ``/``.

Every page calls the same services as the REST API and the CLI; every asset
(CSS, JavaScript, charts as server-rendered SVG) ships inside the package, so
the console works offline.
"""

from __future__ import annotations

from steward.ui.app import create_console

__all__ = ["create_console"]
