"""OpenRosa for ODK Collect and Enketo: the form list, each form's XForm, and submissions with attachments.

- ``GET /formList``: the forms the caller may submit (OpenRosa form list API: id, name, version, MD5 hash,
  download URL);
- ``GET /forms/{form_id}.xml``: the XForm, generated from the schema (``mineaction.forms``);
- ``HEAD /submission``: 204 with the largest body accepted (``X-OpenRosa-Accept-Content-Length``);
- ``POST /submission``: ``multipart/form-data`` with the instance in ``xml_submission_file`` and its
  attachments as further parts. 201 when kept as a submitted report, 202 when the same ``instanceID`` was kept
  before (nothing added); 400 with the reason (an OpenRosa response) for anything malformed, 413 for an
  attachment over the limit, nothing kept.

Every answer carries ``X-OpenRosa-Version: 1.0``. Authentication: an API token, as ``Authorization: Bearer``
or as HTTP Basic with the account name as user and the token as password (ODK Collect's server settings),
or a browser session. Digest authentication is not offered: it would need the server to keep a password
equivalent (MD5 of user, realm and password) beside the Argon2 hashes. Basic sends the token in clear text,
so a server reached from the field must be behind TLS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from mineaction.access import PUBLIC, Principal, authenticate_token
from mineaction.api.auth import authenticate
from mineaction.api.deps import LentStore, Root, Server
from mineaction.api.ratelimit import spend_write
from mineaction.errors import InputError, NotAuthenticated, PermissionDenied, ValidationError
from mineaction.forms import FORMS, compile_xform, form_versions, read_submission
from mineaction.store.base import Store
from mineaction.workflows import MAX_ATTACHMENT_BYTES, submit_form

__all__ = ["router"]

router = APIRouter()
_HEADERS = {"X-OpenRosa-Version": "1.0"}
_CHALLENGE = {**_HEADERS, "WWW-Authenticate": 'Basic realm="mineaction", charset="UTF-8"'}
_XML = "text/xml; charset=utf-8"


def _openrosa(
    status: int, message: str, *, nature: str = "", headers: dict[str, str] | None = None
) -> Response:
    kind = f' nature="{nature}"' if nature else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{kind}>{escape(message)}</message></OpenRosaResponse>"
    )
    return Response(body, status_code=status, media_type=_XML, headers=headers or _HEADERS)


def _principal(request: Request, store: Store) -> Principal:
    """The caller: Basic (account name and API token), else what the rest of the server accepts; anonymous
    callers are asked to authenticate (401 with a Basic challenge)."""
    header = request.headers.get("authorization") or ""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, token = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise NotAuthenticated("the Basic credentials are not base64 of user:token") from None
        who = authenticate_token(store, token)
        if who.name != user:
            raise NotAuthenticated("the API token is not the named user's; use your own account's token")
    else:
        who = authenticate(store, request.headers, request.cookies, request.method)
    if who is PUBLIC or who.name == PUBLIC.name:
        raise NotAuthenticated("sign in: give your account name and an API token (ODK: server settings)")
    return who


def _may_submit(who: Principal, form_id: str) -> bool:
    return all(who.can("submit", part.kind) for part in FORMS[form_id].parts)


def _unauthorised(exc: Exception) -> Response:
    return _openrosa(401, str(exc), headers=_CHALLENGE)


@router.get("/formList", include_in_schema=False)
def form_list(request: Request, root: Root, store: LentStore) -> Response:
    try:
        who = _principal(request, store)
    except NotAuthenticated as exc:
        return _unauthorised(exc)
    versions = form_versions()
    items = []
    for form_id, form in FORMS.items():
        if not _may_submit(who, form_id):
            continue
        digest = hashlib.md5(compile_xform(form_id).encode(), usedforsecurity=False).hexdigest()
        items.append(
            f"<xform><formID>{form_id}</formID><name>{escape(form.title)}</name>"
            f"<version>{versions[form_id]}</version><hash>md5:{digest}</hash>"
            f"<downloadUrl>{root}/forms/{form_id}.xml</downloadUrl></xform>"
        )
    body = f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="http://openrosa.org/xforms/xformsList">{"".join(items)}</xforms>'
    return Response(body, media_type=_XML, headers=_HEADERS)


@router.get("/forms/{form_id}.xml", include_in_schema=False)
def form_download(form_id: str, request: Request, store: LentStore) -> Response:
    try:
        who = _principal(request, store)
    except NotAuthenticated as exc:
        return _unauthorised(exc)
    if form_id not in FORMS:
        return _openrosa(404, f"no form {form_id!r}; the forms are: {', '.join(FORMS)}")
    if not _may_submit(who, form_id):
        return _openrosa(403, f"{who.name} may not submit {form_id}")
    return Response(compile_xform(form_id), media_type=_XML, headers=_HEADERS)


@router.head("/submission", include_in_schema=False)
def submission_head(request: Request, state: Server, store: LentStore) -> Response:
    try:
        _principal(request, store)
    except NotAuthenticated as exc:
        return _unauthorised(exc)
    limit = str(state.settings.server_max_body_bytes)
    return Response(status_code=204, headers={**_HEADERS, "X-OpenRosa-Accept-Content-Length": limit})


async def _parts(request: Request) -> tuple[bytes, dict[str, tuple[bytes, str]]]:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise InputError(
            "send the submission as multipart/form-data with the instance in xml_submission_file"
        )
    form = await request.form(max_files=64, max_fields=64)
    instance = form.get("xml_submission_file")
    if not isinstance(instance, UploadFile):
        raise InputError("the submission has no xml_submission_file part (the filled form's instance XML)")
    files: dict[str, tuple[bytes, str]] = {}
    for name, part in form.multi_items():
        if name != "xml_submission_file" and isinstance(part, UploadFile):
            data = await part.read(MAX_ATTACHMENT_BYTES + 1)
            files[part.filename or name] = (data, part.content_type or "application/octet-stream")
    return await instance.read(), files


@router.post("/submission", include_in_schema=False)
async def submission(request: Request, state: Server, store: LentStore) -> Response:
    try:
        who = _principal(request, store)
    except NotAuthenticated as exc:
        return _unauthorised(exc)
    spend_write(store, f"user:{who.name}", per_minute=state.settings.server_writes_per_minute)  # type: ignore[arg-type]
    try:
        instance, files = await _parts(request)
        too_big = [n for n, (data, _) in files.items() if len(data) > MAX_ATTACHMENT_BYTES]
        if too_big:
            return _openrosa(
                413, f"attachment {too_big[0]!r} is over {MAX_ATTACHMENT_BYTES:,} bytes; send a smaller photo"
            )

        def run() -> Response:
            read = read_submission(
                instance, form_versions(), where="xml_submission_file", attachments=(*files,)
            )
            kept = submit_form(store, who, read, files)
            if not kept.created:
                return _openrosa(202, f"{read.instance_id} was received before; nothing added")
            return _openrosa(
                201, f"{read.form_id} {read.instance_id} received for approval", nature="submit_success"
            )

        return await run_in_threadpool(run)
    except PermissionDenied as exc:
        return _openrosa(403, str(exc))
    except (ValidationError, InputError) as exc:
        return _openrosa(400, str(exc))
