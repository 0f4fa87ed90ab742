"""The staff API's description, for staff only: `/openapi.json`, `/docs` and `/redoc` with a staff
bearer token, and the same for a browser signed in to the admin pages under `/admin/api/` (the
session cookie has path /admin, so a browser sends it only there).

- `/openapi.json`: the JSON document with a valid bearer token (or an admin session), else 401;
- `/docs`, `/redoc`: the page with a valid bearer token, else a redirect to `/admin/api/docs`,
  `/admin/api/redoc`;
- `/admin/api/docs`, `/admin/api/redoc`, `/admin/api/openapi.json`: the page or the document
  when signed in to the admin pages (any role), else the redirect to the login;
- `/admin/api/aset/<file>`: Swagger UI's and ReDoc's files, served by the app itself (the pages
  work offline: nothing is loaded from a CDN), to a browser signed in to the admin pages, else the
  login redirect. (A bearer token is for scripts, which read /openapi.json, not these files.)

The files come from the PyPI package `fastapi-offline` (Swagger UI 5, which reads FastAPI's
OpenAPI 3.1 document, and ReDoc 2), read from its folder, never copied into ours. Swagger UI is
started by FastAPI's inline script; each page is sent with `bot/security.py`'s `docs_policy` and
the SHA-256 of exactly the inline scripts it holds, so no other inline script can run.

A bearer token that does not check is 401 everywhere. With `API_DOCS=false` none of these routes
exists (404): `bot/app.py` includes `router` and `admin_router` only when the setting is on."""
from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from bot.admin.session import CurrentSession, LoginRequired, current_session
from bot.admin.web import AdminRoute
from bot.security import docs_policy
from services.staff import InvalidToken

__all__ = ["ADMIN_DOCS", "ADMIN_OPENAPI", "ADMIN_REDOC", "ASSETS", "ASSET_URL", "DOCS_PATHS", "GUIDE_URL",
           "admin_router", "router"]

ADMIN_DOCS, ADMIN_REDOC, ADMIN_OPENAPI = "/admin/api/docs", "/admin/api/redoc", "/admin/api/openapi.json"
DOCS_PATHS = ("/docs", "/redoc", ADMIN_DOCS, ADMIN_REDOC)  # the pages that need the docs policy
ASSET_URL = "/admin/api/aset"
GUIDE_URL = "/admin/panduan"  # the staff guide in Indonesian (bot/admin/guide.py), linked from the docs
_TITLE = "Layanan OKI — API staf"
_DIST = files("fastapi_offline") / "static"
# the files a docs page loads: name -> media type
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "redoc.standalone.js": "text/javascript", "favicon.png": "image/png"}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)

router = APIRouter(include_in_schema=False)
admin_router = APIRouter(prefix="/admin/api", include_in_schema=False, route_class=AdminRoute)


def _bearer(request: Request) -> str | None:
    """The bearer token of the request, '' for an Authorization header of another kind, None without one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _token_checks(request: Request, token: str) -> bool:
    try:
        await request.app.state.runtime.staff.decode_token(token)
    except InvalidToken:
        return False
    return True


def _unauthorized() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Silakan masuk dulu: hanya untuk staf",
                         headers={"WWW-Authenticate": "Bearer"})


async def _staff_bearer(request: Request) -> bool:
    """True with a valid staff bearer token, False without any; 401 for one that does not check."""
    token = _bearer(request)
    if token is None:
        return False
    if not token or not await _token_checks(request, token):
        raise _unauthorized()
    return True


def _spec(request: Request) -> dict[str, Any]:
    return request.app.openapi()


def _hashes(html: str) -> list[str]:
    """The CSP source of each inline script in the page: 'sha256-…' of its exact text."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in _INLINE_SCRIPT.findall(html)]


def _page(page: str, openapi_url: str) -> Response:
    favicon = f"{ASSET_URL}/favicon.png"
    if page == "docs":
        response = get_swagger_ui_html(openapi_url=openapi_url, title=_TITLE, swagger_favicon_url=favicon,
                                       swagger_js_url=f"{ASSET_URL}/swagger-ui-bundle.js",
                                       swagger_css_url=f"{ASSET_URL}/swagger-ui.css")
    else:
        response = get_redoc_html(openapi_url=openapi_url, title=_TITLE, redoc_favicon_url=favicon,
                                  redoc_js_url=f"{ASSET_URL}/redoc.standalone.js", with_google_fonts=False)
    response.headers["Content-Security-Policy"] = docs_policy(_hashes(bytes(response.body).decode()))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    if not await _staff_bearer(request):
        try:  # sent only if the cookie's path were widened; kept for that case
            await current_session(request)
        except LoginRequired:
            raise _unauthorized() from None
    return JSONResponse(_spec(request), headers={"Cache-Control": "no-store"})


@router.get("/docs")
async def docs(request: Request) -> Response:
    if await _staff_bearer(request):
        return _page("docs", "/openapi.json")
    return RedirectResponse(ADMIN_DOCS, status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    if await _staff_bearer(request):
        return _page("redoc", "/openapi.json")
    return RedirectResponse(ADMIN_REDOC, status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@admin_router.get("/openapi.json")
async def admin_openapi(request: Request, session: CurrentSession) -> JSONResponse:
    return JSONResponse(_spec(request))


@admin_router.get("/docs")
async def admin_docs(session: CurrentSession) -> Response:
    return _page("docs", ADMIN_OPENAPI)


@admin_router.get("/redoc")
async def admin_redoc(session: CurrentSession) -> Response:
    return _page("redoc", ADMIN_OPENAPI)


def _asset_route(name: str, media_type: str) -> None:
    async def asset(session: CurrentSession) -> Response:
        return FileResponse(str(_DIST / name), media_type=media_type,
                            headers={"Cache-Control": "private, max-age=86400"})

    admin_router.add_api_route(f"/aset/{name}", asset, methods=["GET"], name=f"docs-asset-{name}")


for _name, _type in ASSETS.items():
    _asset_route(_name, _type)
