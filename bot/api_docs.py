"""The staff API's description, for staff only: `/openapi.json`, `/docs` and `/redoc` with a staff
bearer token, and the same for a browser signed in to the admin pages under `/admin/api/` (the
session cookie has path /admin, so a browser sends it only there).

- `/openapi.json`: the JSON document with a valid bearer token (or an admin session), else 401;
- `/docs`, `/redoc`: the page with a valid bearer token, else a redirect to `/admin/api/docs`,
  `/admin/api/redoc`;
- `/admin/api/docs`, `/admin/api/redoc`, `/admin/api/openapi.json`: the page or the document
  when signed in to the admin pages (any role), else the redirect to the login.

A bearer token that does not check is 401 everywhere. With `API_DOCS=false` none of these routes
exists (404): `bot/app.py` includes `router` and `admin_router` only when the setting is on.
The pages load Swagger UI and ReDoc from FastAPI's CDN and start them with an inline script, so
they are served under `bot/security.py`'s `DOCS_POLICY` (`DOCS_PATHS`)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse

from bot.admin.session import CurrentSession, LoginRequired, current_session
from bot.admin.web import AdminRoute
from bot.security import DOCS_POLICY
from services.staff import InvalidToken

__all__ = ["ADMIN_DOCS", "ADMIN_OPENAPI", "ADMIN_REDOC", "DOCS_PATHS", "admin_router", "router"]

ADMIN_DOCS, ADMIN_REDOC, ADMIN_OPENAPI = "/admin/api/docs", "/admin/api/redoc", "/admin/api/openapi.json"
DOCS_PATHS = ("/docs", "/redoc", ADMIN_DOCS, ADMIN_REDOC)  # the pages that need DOCS_POLICY
_TITLE = "Layanan OKI — API staf"

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


def _page(page: str, openapi_url: str) -> Response:
    make = get_swagger_ui_html if page == "docs" else get_redoc_html
    response = make(openapi_url=openapi_url, title=_TITLE)
    response.headers["Content-Security-Policy"] = DOCS_POLICY
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
