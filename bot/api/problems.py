"""The staff API's refusals, declared for its OpenAPI document (`/docs`) so that it lists every
answer a route can give; tests/fuzz/test_openapi.py holds the app to it.

Every refusal is `{"detail": ...}`: a sentence for ours, FastAPI's list of errors for a malformed
parameter or body, an object for a report filed twice (its reference and status). Routers and
routes name the refusals they give:

    router = APIRouter(prefix="/things", responses=SIGNED_IN)

    @router.get("/{thing_id}", responses=NOT_FOUND)
    async def thing(...): ..."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["CONFLICT", "INVALID", "NOT_FOUND", "SIGNED_IN", "TOO_LARGE", "UNAUTHORIZED", "Problem"]


class Problem(BaseModel):
    detail: str | list[dict[str, Any]] | dict[str, Any]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


INVALID = {400: _problem("the body cannot be read at all (not UTF-8, a multipart form without its boundary)"),
           422: _problem("a parameter or the body is not valid")}
UNAUTHORIZED = {401: _problem("no token, or a bad or expired one (WWW-Authenticate: Bearer)")}
SIGNED_IN = {**UNAUTHORIZED, 403: _problem("the staff member's role or area may not do this")}
NOT_FOUND = {404: _problem("no such record, or none in the staff member's area")}
CONFLICT = {409: _problem("the record's state does not allow this, or it exists already")}
TOO_LARGE = {413: _problem("the upload is too large")}
