"""The ``serve`` command: OGC API Features and the REST API over a store, with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mineaction.errors import ConfigError
from mineaction.settings import load_settings

__all__ = ["COMMANDS", "serve_command"]


@click.command("serve")
@click.argument("store")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="address to listen on (0.0.0.0: every one)"
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="server processes (PostGIS only; default: the server_workers setting)",
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML settings file",
)
def serve_command(store: str, host: str, port: int, workers: int | None, settings_file: Path | None) -> None:
    """Serve STORE (a .gpkg file or postgresql:// URL) as OGC API Features and REST on http://HOST:PORT/."""
    import uvicorn

    from mineaction.store import open_pool

    settings = load_settings(settings_file)
    count = workers or settings.server_workers
    postgis = store.startswith(("postgresql://", "postgres://"))
    if count > 1 and not postgis:
        raise ConfigError(
            f"--workers {count}: a GeoPackage store is served by one process; use a PostGIS store for more"
        )
    open_pool(store, size=1).close()  # a store that cannot be opened stops here with one clear line
    os.environ["MINEACTION_SERVE_STORE"] = store
    if settings_file is not None:
        os.environ["MINEACTION_SETTINGS"] = str(settings_file)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(
        f"serving {store} on http://{shown}:{port}/ ({count} process{'es' if count > 1 else ''}); "
        "Ctrl+C stops"
    )
    uvicorn.run(
        "mineaction.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=count if count > 1 else None,
        log_level="warning",
        proxy_headers=True,
        access_log=False,
    )


COMMANDS = [serve_command]
