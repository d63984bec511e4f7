"""REST for the workflows, with the JSON of the command line's ``--json``: store statistics, record
assessment, new-contamination alerts, data quality, saved plans, risk education and assistance to survivors,
mine-laying patterns (every area, or one in full with its residual map) at once; risk evaluation, risk model
fits, risk surfaces (a GeoTIFF to download), clearance plans and the report (a zip to download) as jobs (202
and a job resource to poll, kept in the store)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mineaction.access import require
from mineaction.api.app import UnsupportedMediaType
from mineaction.api.auth import require_read
from mineaction.api.deps import Caller, LentStore, Query, Root, Server
from mineaction.api.jobs import FILE_TYPES, JOB_FILES, JOB_KINDS, check_params
from mineaction.api.openapi import register_paths
from mineaction.api.openapi_components import error_responses, ref
from mineaction.api.params import reject_unknown
from mineaction.api.render import json_response
from mineaction.api.results_cache import kept
from mineaction.errors import InputError, NotFoundError, PermissionDenied
from mineaction.store.jobs import list_jobs, load_job, submit_job

__all__ = ["router"]

router = APIRouter()

# path: (workflow function name in mineaction.workflows, kind the caller must be allowed to read, summary)
_EVIDENCE = {
    "/stats": (
        "summarise_store",
        "accidents",
        "Counts, victims, funding and land release (as `mineaction stats --json`)",
    ),
    "/records/assessment": (
        "assess_records",
        "minefield_records",
        "Record accuracy, recall and outside shares",
    ),
    "/alerts": ("raise_alerts", "finds", "New-contamination alerts (as `mineaction alerts --json`)"),
    "/quality": ("check_quality", "finds", "Data-quality issues with record ids and fixes"),
}


def _evidence(path: str) -> Any:
    name, kind, _ = _EVIDENCE[path]

    def endpoint(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
        import mineaction.workflows as workflows

        reject_unknown(query, ())
        require_read(who, kind)
        document = kept(
            state,
            store,
            path,
            lambda: workflows.to_jsonable(getattr(workflows, name)(store, settings=state.settings).to_dict()),
        )
        return json_response(document)

    endpoint.__name__ = name
    return endpoint


for _path in _EVIDENCE:
    router.add_api_route(_path, _evidence(_path), methods=["GET"])


@router.get("/plans")
def plans(query: Query, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows.plan import saved_plans

    reject_unknown(query, ("latest",))
    text = query.get("latest", ["10"])[0]
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise InputError(f"latest {text!r} must be a whole number from 1 to 100")
    require_read(who, "activities")  # plans are the authority's work, not public
    found = saved_plans(store, latest=int(text))
    from mineaction.workflows import to_jsonable

    return json_response({"plans": to_jsonable(found)})


@router.get("/plans/{plan_id}")
def plan(plan_id: str, query: Query, store: LentStore, who: Caller) -> Response:
    """One saved plan: its inputs, weights, settings, scenario and result (schedule, every task's reason)."""
    from mineaction.workflows import to_jsonable
    from mineaction.workflows.plan import PLAN_COLLECTION

    reject_unknown(query, ())
    require_read(who, "activities")
    try:
        doc = store.load_document(PLAN_COLLECTION, plan_id)
    except NotFoundError:
        raise NotFoundError(f"no saved plan {plan_id!r}; list them with GET /plans") from None
    shown = {k: v for k, v in doc.items() if k != "problem"}  # the input arrays: large, and in the store
    return json_response(to_jsonable(shown))


def _day(query: Any, name: str = "as_of") -> date | None:
    """The optional ``as_of`` day of a query (YYYY-MM-DD)."""
    text = query.get(name, [None])[0]
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name} {text!r} is not a day; write it as YYYY-MM-DD") from None


def _plain(result: Any) -> Response:
    return json_response(json.loads(json.dumps(result.to_dict(), default=str)))


@router.get("/eore/coverage")
def eore_coverage(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows import risk_education

    reject_unknown(query, ("as_of",))
    require_read(who, "risk_education")
    return _plain(risk_education(store, settings=state.settings, as_of=_day(query)))


@router.get("/eore/needs")
def eore_needs(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows import eore_needs as needs

    reject_unknown(query, ("as_of", "plan"))
    require_read(who, "activities")  # plans are the authority's work, not public
    plan = query.get("plan", [None])[0]
    return _plain(needs(store, settings=state.settings, plan_id=plan, as_of=_day(query)))


_AREA_STATUSES = ("open", "in_progress", "released")


def _readable_patterns(who: Any) -> None:
    """Patterns rest on the finds and the minefield records: the caller must be allowed to read both."""
    require_read(who, "finds")
    require_read(who, "minefield_records")


@router.get("/patterns")
def patterns(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    """Mine-laying patterns of every area with mine finds or a record, one line each (``status`` narrows
    them): the JSON of ``mineaction patterns --json``."""
    from mineaction.workflows import analyse_patterns, to_jsonable

    reject_unknown(query, ("status",))
    status = query.get("status", [None])[0]
    if status is not None and status not in _AREA_STATUSES:
        raise InputError(f"status {status!r} must be one of {', '.join(_AREA_STATUSES)}")
    _readable_patterns(who)
    document = kept(
        state,
        store,
        f"/patterns?status={status}",
        lambda: to_jsonable(analyse_patterns(store, settings=state.settings, status=status).to_dict()),
    )
    return json_response(document)


def _density_grid(area: Any) -> list[list[float | None]]:
    """The residual map's probability of a mine per m2, row by row from the north (None outside the area)."""
    m = area.residual_map
    return [
        [float(f"{v:.4g}") if inside else None for v, inside in zip(row, mask, strict=True)]
        for row, mask in zip(m.density, m.inside, strict=True)
    ]


def _corners(m: Any) -> list[list[float]]:
    """The residual map's corners in WGS84 (lon, lat): top left, top right, bottom right, bottom left."""
    from pyproj import Transformer

    rows, cols = m.density.shape
    east, south = m.west + cols * m.cell_m, m.north - rows * m.cell_m
    to_wgs84 = Transformer.from_crs(m.crs, "EPSG:4326", always_xy=True)
    xs, ys = to_wgs84.transform([m.west, east, east, m.west], [m.north, m.north, south, south])
    return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(xs, ys, strict=True)]


@router.get("/patterns/{area_id}")
def area_patterns(area_id: str, query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    """One hazardous area in full (``mineaction patterns --area ... --json``); ``grid=true`` adds the
    residual map's probability of a mine per m2 on every cell and the map's corners in WGS84."""
    from mineaction.workflows import analyse_patterns, to_jsonable

    reject_unknown(query, ("grid",))
    grid = query.get("grid", ["false"])[0]
    if grid not in ("true", "false"):
        raise InputError(f"grid {grid!r} must be true or false")
    _readable_patterns(who)
    try:
        store.get("hazardous_areas", area_id)
    except NotFoundError:
        raise NotFoundError(f"no hazardous area {area_id!r}; list the areas with GET /patterns") from None
    result = analyse_patterns(store, settings=state.settings, area=area_id)
    document = to_jsonable(result.to_dict())
    if grid == "true":
        shown = document["areas"][0]["residual"]["map"]
        shown["density_per_m2"] = _density_grid(result.areas[0])
        shown["corners_lonlat"] = _corners(result.areas[0].residual_map)
    return json_response(document)


@router.get("/survivors")
def survivors(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    """Aggregates for anyone who may see aggregates; small counts and open needs by victim only for those
    granted personal data."""
    from mineaction.workflows import survivor_assistance

    reject_unknown(query, ("as_of",))
    require(who, "read_aggregate", "survivor_needs")
    personal = all(who.can("read_personal", k) for k in ("victims", "survivor_needs", "survivor_services"))
    return _plain(survivor_assistance(store, settings=state.settings, as_of=_day(query), personal=personal))


def _job_view(root: str, job: dict[str, Any]) -> dict[str, Any]:
    from mineaction.workflows import to_jsonable

    # results may hold NaN or infinite figures (a gap not yet bounded): JSON has null for them
    shown = to_jsonable({k: v for k, v in job.items() if k not in ("runner", "lease_until")})
    shown["links"] = [{"href": f"{root}/jobs/{job['id']}", "rel": "self", "type": "application/json"}]
    for name in (job.get("result") or {}).get("files", []):
        href = f"{root}/jobs/{job['id']}/files/{name}"
        shown["links"].append({"href": href, "rel": "enclosure", "type": FILE_TYPES.get(name), "title": name})
    return shown


@router.post("/jobs/{kind}")
async def submit(
    kind: str, request: Request, root: Root, query: Query, store: LentStore, who: Caller
) -> Response:
    reject_unknown(query, ())
    if kind not in JOB_KINDS:
        raise NotFoundError(f"no job kind {kind!r}; the kinds are {', '.join(JOB_KINDS)}")
    require(who, "analyse")
    media = (request.headers.get("content-type") or "application/json").split(";")[0].strip()
    if media != "application/json":
        raise UnsupportedMediaType(f"the body must be application/json parameters, not {media}")
    raw = await request.body()
    try:
        params = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise InputError(f"the body is not valid JSON ({exc})") from None
    checked = check_params(kind, params)
    job = await run_in_threadpool(submit_job, store, kind, checked, user=who.name)
    headers = {"Location": f"{root}/jobs/{job['id']}"}
    return json_response(_job_view(root, job), status=202, headers=headers)


@router.get("/jobs")
def jobs(root: Root, query: Query, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    require(who, "analyse")
    mine = list_jobs(store, user=None if who.role == "admin" else who.name)
    return json_response({"jobs": [_job_view(root, j) for j in mine]})


def _own_job(store: Any, job_id: str, who: Any) -> dict[str, Any]:
    require(who, "analyse")
    found = load_job(store, job_id)
    if found["submitted_by"] != who.name and who.role != "admin":
        raise PermissionDenied(f"job {job_id} is {found['submitted_by']}'s")
    return found


@router.get("/jobs/{job_id}")
def job(job_id: str, root: Root, query: Query, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    return json_response(_job_view(root, _own_job(store, job_id, who)))


@router.get("/jobs/{job_id}/files/{name}")
def job_file(job_id: str, name: str, query: Query, store: LentStore, who: Caller) -> Response:
    """A file a finished job made (the risk surface's GeoTIFF, the report's zip)."""
    reject_unknown(query, ())
    found = _own_job(store, job_id, who)
    if name not in (found.get("result") or {}).get("files", []):
        raise NotFoundError(f"job {job_id} made no file {name!r}; its files are listed in its links")
    kept = store.load_file(JOB_FILES, f"{job_id}/{name}")
    headers = {"Content-Disposition": f'attachment; filename="{job_id}-{name}"'}
    return Response(content=kept.data, media_type=kept.media_type, headers=headers)


def _paths(state: Any) -> dict[str, Any]:
    errors = error_responses("400", "401", "403", "503")
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    any_json = {"application/json": {"schema": {"type": "object"}}}
    paths: dict[str, Any] = {
        path: {
            "get": {
                "summary": summary,
                "security": security,
                "responses": {"200": {"description": "The result", "content": any_json}, **errors},
            }
        }
        for path, (_, _, summary) in _EVIDENCE.items()
    }
    job_schema = {"application/json": {"schema": ref("job")}}
    for kind in JOB_KINDS:
        paths[f"/jobs/{kind}"] = {
            "post": {
                "summary": f"Start a {kind} job (long work: poll the job)",
                "security": security,
                "requestBody": {"required": False, "content": any_json},
                "responses": {
                    "202": {"description": "Queued", "content": job_schema},
                    **error_responses("400", "401", "403", "415", "429", "503"),
                },
            }
        }
    latest = {
        "name": "latest",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    }
    paths["/plans"] = {
        "get": {
            "summary": "The latest saved plans (newest last), each with its id, scenario and schedule",
            "security": security,
            "parameters": [latest],
            "responses": {"200": {"description": "Plans", "content": any_json}, **errors},
        }
    }
    day = {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}}
    plan = {"name": "plan", "in": "query", "required": False, "schema": {"type": "string"}}
    no_plan = error_responses("400", "401", "403", "422", "503")  # 422: no saved plan (or no such plan)
    people = (
        ("/eore/coverage", "Risk education reach and returning families reached first", [day], errors),
        ("/eore/needs", "Risk education a saved plan needs before returns", [day, plan], no_plan),
        ("/survivors", "Assistance to survivors: aggregates, counts under 5 as <5", [day], errors),
    )
    status = {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(_AREA_STATUSES)},
    }
    grid = {"name": "grid", "in": "query", "required": False, "schema": {"type": "boolean", "default": False}}
    area = {"name": "areaId", "in": "path", "required": True, "schema": {"type": "string"}}
    pattern_paths = (
        (
            "/patterns",
            "Mine-laying patterns, residual mines and release checks of the areas",
            [status],
            errors,
        ),
        (
            "/patterns/{areaId}",
            "One area's pattern, records' offset, residual mines and map, clearance order, release check",
            [area, grid],
            error_responses("400", "401", "403", "404", "503"),
        ),
    )
    for path, summary, parameters, failures in (*people, *pattern_paths):
        paths[path] = {
            "get": {
                "summary": summary,
                "security": security,
                "parameters": parameters,
                "responses": {"200": {"description": "The result", "content": any_json}, **failures},
            }
        }
    paths["/plans/{planId}"] = {
        "get": {
            "summary": "One saved plan: inputs, weights, scenario and result with every task's reason",
            "security": security,
            "parameters": [{"name": "planId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The plan", "content": any_json},
                **error_responses("400", "401", "403", "404", "503"),
            },
        }
    }
    binary = {"schema": {"type": "string", "format": "binary"}}
    paths["/jobs/{jobId}/files/{name}"] = {
        "get": {
            "summary": "A file a finished job made (risk.tif: GeoTIFF; report.zip: the report)",
            "security": security,
            "parameters": [
                {"name": "jobId", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "The file", "content": {t: binary for t in set(FILE_TYPES.values())}},
                **error_responses("400", "401", "403", "404", "503"),
            },
        }
    }
    paths["/jobs"] = {
        "get": {
            "summary": "Your jobs, newest first",
            "security": security,
            "responses": {"200": {"description": "Jobs", "content": any_json}, **errors},
        }
    }
    paths["/jobs/{jobId}"] = {
        "get": {
            "summary": "A job: its status and, when done, its result",
            "security": security,
            "parameters": [{"name": "jobId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The job", "content": job_schema},
                **error_responses("400", "401", "403", "404", "503"),
            },
        }
    }
    job = {
        "type": "object",
        "required": ["id", "kind", "status"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": list(JOB_KINDS)},
            "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
            "params": {"type": "object"},
            "result": {"nullable": True},
            "error": {"type": "string", "nullable": True},
        },
    }
    return {**paths, "x-schemas": {"job": job}}


register_paths(_paths)
