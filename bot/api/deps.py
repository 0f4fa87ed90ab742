"""Dependencies of the staff API, as `Annotated` aliases: `StaffServiceDep`, `CurrentStaff`,
and `require_roles(...)` / `check_area(...)` for role and area checks.

    @router.get("/things")
    async def things(staff: CurrentStaff): ...

    Dinsos = Annotated[StaffInfo, Depends(require_roles("admin", "dinsos"))]

    @router.get("/things/{id}")
    async def thing(id: int, staff: Dinsos):
        row = ...
        check_area(staff, kecamatan_code=row.kecamatan_code, desa_code=row.desa_code)

No token, or a bad or expired one: 401 with `WWW-Authenticate: Bearer`. A role or area that may
not see something: 403. A router whose routes all need a token takes `route_class=SignedInFirst`,
so that the 401 comes before FastAPI reads the body. A database id in a path is a `RowId`, and
text that is stored or looked up takes `pattern=NO_NUL`."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer

from services.staff import InvalidToken, StaffInfo, StaffService, checked_roles

__all__ = ["NO_NUL", "CurrentStaff", "RowId", "SignedInFirst", "StaffServiceDep", "check_area", "get_current_staff",
           "get_staff_service", "oauth2_scheme", "require_roles"]

# auto_error=False: a missing token gets the same 401 (and Indonesian detail) as a bad one
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
# ids are 64-bit (storage/models.py `_ID`): a larger number in a path is a 422, not a database error
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# PostgreSQL can neither store nor compare text holding a NUL character: such text is a 422, on every backend
NO_NUL = r"^[^\x00]*$"


def get_staff_service(request: Request) -> StaffService:
    return request.app.state.runtime.staff


StaffServiceDep = Annotated[StaffService, Depends(get_staff_service)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


async def get_current_staff(request: Request, service: StaffServiceDep,
                            token: Annotated[str | None, Depends(oauth2_scheme)]) -> StaffInfo:
    checked = getattr(request.state, "staff", None)  # by SignedInFirst, before the body was read
    if checked is not None:
        return checked
    if not token:
        raise _unauthorized("Silakan masuk dulu: token Bearer tidak ada")
    try:
        return await service.decode_token(token)
    except InvalidToken:
        raise _unauthorized("Token tidak sah atau sudah kedaluwarsa; silakan masuk lagi") from None


CurrentStaff = Annotated[StaffInfo, Depends(get_current_staff)]


class SignedInFirst(APIRoute):
    """A route that checks the token before anything else. FastAPI reads and parses the body before
    it runs the dependencies, so otherwise a caller without a valid token would get a 400 or 422
    for a malformed body before the 401, and an upload of any size would be read for them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def signed_in_first(request: Request) -> Response:
            token = await oauth2_scheme(request)
            request.state.staff = await get_current_staff(request, get_staff_service(request), token)
            return await handle(request)

        return signed_in_first


def require_roles(*roles: str) -> Callable[[StaffInfo], Awaitable[StaffInfo]]:
    """A dependency giving the current staff member if their role is one of `roles`, else 403. It
    carries `roles` as an attribute: tests/security/test_routes.py reads who may use each route from it."""
    checked_roles(roles)

    async def staff_with_role(staff: CurrentStaff) -> StaffInfo:
        if staff.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Peran Anda tidak diizinkan untuk ini")
        return staff

    staff_with_role.roles = roles  # type: ignore[attr-defined]
    return staff_with_role


def check_area(staff: StaffInfo, *, kecamatan_code: str | None, desa_code: str | None) -> None:
    """403 unless the record at this kecamatan/desa is in the staff member's area."""
    if not staff.can_see(kecamatan_code=kecamatan_code, desa_code=desa_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Data ini di luar wilayah Anda")
