"""The field page (``/field/``): fill the field forms in the browser with ODK Web Forms, offline included.

The page and its bundle (ODK Web Forms and Vue, built from ``web/field/`` into ``mineaction/web/field``) are
served from the package; the page signs in with the dashboard's browser session, lists the forms the user may
submit (``/formList``), keeps each filled form in the browser's IndexedDB and posts it to ``/submission`` when
the server can be reached. Its content security policy allows only this origin; styles may be inline, because
the form engine sets its widgets' styles from script, and WebAssembly may be compiled (its XPath parser).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response

from mineaction.errors import NotFoundError

__all__ = ["router"]

PAGE = Path(__file__).resolve().parents[2] / "web" / "field"
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' data: blob:; "
    "worker-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".txt": "text/plain"}

router = APIRouter()


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def _file(name: str) -> Path:
    path = (PAGE / name).resolve()
    if PAGE.resolve() not in path.parents or not path.is_file():
        raise NotFoundError(f"no field page file {name!r}")
    return path


@router.get("/field", include_in_schema=False)
def field_redirect() -> Response:
    return RedirectResponse("/field/", status_code=308)


@router.get("/field/", include_in_schema=False)
def field_page() -> Response:
    return FileResponse(_file("index.html"), media_type="text/html", headers=_headers())


@router.get("/field/static/{name}", include_in_schema=False)
def field_asset(name: str) -> Response:
    path = _file(name)
    return FileResponse(
        path, media_type=_MEDIA.get(path.suffix, "application/octet-stream"), headers=_headers()
    )
