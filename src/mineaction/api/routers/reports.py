"""REST for the approval workflow: submit reports, list and read them, approve, return or flag them.

Every route needs an account (401 without): operators and data entry submit their organisation's records
and see their organisation's reports, verifiers and administrators see every report and decide; a report
the caller may not see is 404 (its existence does not leak). The bodies are JSON; a report's records are
GeoJSON features in CRS84 (longitude, latitude) whose properties are the kind's fields. Each call is one
workflow of ``mineaction.workflows`` (``submit_report``, ``approve_report``...), run as the caller, so the
store audits it under the caller's name and address.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mineaction.access import Principal, acting_as, require
from mineaction.api.app import UnsupportedMediaType
from mineaction.api.deps import Caller, LentStore, Query, Root, Server
from mineaction.api.openapi import register_paths
from mineaction.api.openapi_components import error_responses
from mineaction.api.params import reject_unknown
from mineaction.api.render import json_response
from mineaction.domain.schema import entity
from mineaction.errors import InputError

__all__ = ["router"]

router = APIRouter()


async def _body(request: Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object, with only ``allowed`` members."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType(f"the body must be application/json, not {media or 'untyped'}")
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InputError(f"unknown member(s) {', '.join(unknown)}; the body may hold: {', '.join(allowed)}")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise InputError(f"{name} must be a non-empty text of at most 2,000 characters")
    return value.strip()


def _geometry(value: Any, row: int) -> Any:
    if value is None:
        return None
    try:
        shape = shapely.from_geojson(json.dumps(value))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise InputError(f"feature {row}: geometry cannot be read ({exc}); send a GeoJSON geometry") from None
    if shape is not None and not all(math.isfinite(v) for v in shape.bounds if not shape.is_empty):
        raise InputError(f"feature {row}: geometry has coordinates that are not finite numbers")
    return shape


def _frame(kind: str, features: Any) -> pd.DataFrame:
    """Records of ``kind`` from a list of GeoJSON features (CRS84)."""
    schema = entity(kind)
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise InputError("features must be a list of GeoJSON Feature objects")
    rows, shapes = [], []
    for row, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"feature {row}: properties must be a JSON object")
        if feature.get("id") is not None:
            props = {**props, "id": feature["id"]}
        rows.append(props)
        shapes.append(_geometry(feature.get("geometry"), row))
    frame = pd.DataFrame(rows)
    if schema.geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapes, crs=4326, index=frame.index))


async def _as_caller(request: Request, who: Principal, job: Callable[[], Any]) -> Any:
    """Run ``job`` in the thread pool as ``who`` (audit entries name them and their address)."""
    address = request.client.host if request.client else None

    def run() -> Any:
        with acting_as(who, address=address, channel="api"):
            return job()

    return await run_in_threadpool(run)


@router.get("/reports")
def reports(query: Query, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows import list_reports

    reject_unknown(query, ("status",))
    status = query.get("status", [None])[0]
    return json_response(list_reports(store, who, status=status).to_dict())


@router.post("/reports")
async def submit(request: Request, root: Root, state: Server, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows import submit_report

    require(who, "submit")  # before reading the body: 401 / 403 first
    body = await _body(request, ("kind", "source_ref", "reason", "features"))
    kind = str(_text(body, "kind", required=True))
    frame = _frame(kind, body.get("features"))
    source_ref, reason = _text(body, "source_ref"), _text(body, "reason")
    done = await _as_caller(
        request,
        who,
        lambda: submit_report(
            store, who, kind, frame, source_ref=source_ref, settings=state.settings, reason=reason
        ),
    )
    headers = {"Location": f"{root}/reports/{done.report_id}"}
    return json_response(done.to_dict(), status=201 if done.created else 200, headers=headers)


@router.get("/reports/{report_id}")
def report(report_id: str, request: Request, query: Query, store: LentStore, who: Caller) -> Response:
    """One report in full; ``personal=true`` adds people's personal fields (read_personal, audited)."""
    from mineaction.workflows import show_report

    reject_unknown(query, ("personal",))
    personal = query.get("personal", ["false"])[0]
    if personal not in ("true", "false"):
        raise InputError(f"personal {personal!r} must be true or false")
    address = request.client.host if request.client else None
    with acting_as(who, address=address, channel="api"):
        view = show_report(store, who, report_id, include_personal=personal == "true")
    return json_response(view.to_dict())


@router.post("/reports/{report_id}/resubmit")
async def resubmit(
    report_id: str, request: Request, state: Server, store: LentStore, who: Caller
) -> Response:
    from mineaction.workflows import resubmit_report
    from mineaction.workflows.review import show_report

    require(who, "submit")
    body = await _body(request, ("reason", "features"))
    kind = await _as_caller(request, who, lambda: show_report(store, who, report_id).report["kind"])
    frame = _frame(str(kind), body.get("features"))
    reason = _text(body, "reason")
    done = await _as_caller(
        request,
        who,
        lambda: resubmit_report(store, who, report_id, frame, settings=state.settings, reason=reason),
    )
    return json_response(done.to_dict())


@router.post("/reports/{report_id}/{decision}")
async def decide(
    report_id: str, decision: str, request: Request, state: Server, store: LentStore, who: Caller
) -> Response:
    """A verifier's decision: ``approve`` (reason optional), ``return`` or ``flag`` (reason required)."""
    from mineaction.workflows import approve_report, flag_report, return_report

    if decision not in ("approve", "return", "flag"):
        raise InputError(f"no decision {decision!r}; the decisions are approve, return and flag")
    require(who, "approve")
    body = await _body(request, ("reason",))
    reason = _text(body, "reason", required=decision != "approve")

    def run() -> Any:
        if decision == "approve":
            return approve_report(store, who, report_id, reason=reason, settings=state.settings)
        if decision == "return":
            return return_report(store, who, report_id, reason=str(reason))
        return flag_report(store, who, report_id, reason=str(reason))

    return json_response((await _as_caller(request, who, run)).to_dict())


def _paths(state: Any) -> dict[str, Any]:
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    any_json = {"application/json": {"schema": {"type": "object"}}}
    ok = {"description": "The result", "content": any_json}
    report_id = {"name": "reportId", "in": "path", "required": True, "schema": {"type": "string"}}
    writes = error_responses("400", "401", "403", "404", "415", "422", "429", "503")
    status = {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["submitted", "flagged", "returned", "approved"]},
    }
    personal = {"name": "personal", "in": "query", "required": False, "schema": {"type": "boolean"}}

    def post(summary: str, **responses: Any) -> dict[str, Any]:
        return {
            "post": {
                "summary": summary,
                "security": security,
                "parameters": [report_id],
                "requestBody": {"required": True, "content": any_json},
                "responses": {"200": ok, **responses, **writes},
            }
        }

    return {
        "/reports": {
            "get": {
                "summary": "Reports you may see, newest first (submitted, flagged, returned, approved)",
                "security": security,
                "parameters": [status],
                "responses": {"200": ok, **error_responses("400", "401", "403", "503")},
            },
            "post": {
                "summary": "Submit records for approval: {kind, source_ref, reason, features (CRS84)}",
                "security": security,
                "requestBody": {"required": True, "content": any_json},
                "responses": {"200": ok, "201": ok, **writes},
            },
        },
        "/reports/{reportId}": {
            "get": {
                "summary": "One report: records, findings, every step with who, when and why",
                "security": security,
                "parameters": [report_id, personal],
                "responses": {"200": ok, **error_responses("400", "401", "403", "404", "503")},
            }
        },
        "/reports/{reportId}/resubmit": post("Resubmit a returned report: {features, reason}"),
        "/reports/{reportId}/approve": post("Approve a report and apply it to the record: {reason}"),
        "/reports/{reportId}/return": post("Return a report to its organisation: {reason} (required)"),
        "/reports/{reportId}/flag": post("Flag a report with a verifier's finding: {reason} (required)"),
    }


register_paths(_paths)
