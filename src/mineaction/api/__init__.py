"""The server: OGC API Features (Parts 1 to 4) over the store, REST for the workflows, jobs.

``create_app(settings, store_url=...)`` builds the ASGI app (FastAPI); ``mineaction serve STORE`` runs it with
uvicorn. See docs/server.md.
"""

from __future__ import annotations

from mineaction.api.app import app_from_environment, create_app

__all__ = ["app_from_environment", "create_app"]
