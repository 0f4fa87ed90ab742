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
not see something: 403."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from services.staff import InvalidToken, StaffInfo, StaffService, checked_roles

__all__ = ["CurrentStaff", "StaffServiceDep", "check_area", "get_current_staff", "get_staff_service",
           "oauth2_scheme", "require_roles"]

# auto_error=False: a missing token gets the same 401 (and Indonesian detail) as a bad one
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_staff_service(request: Request) -> StaffService:
    return request.app.state.runtime.staff


StaffServiceDep = Annotated[StaffService, Depends(get_staff_service)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


async def get_current_staff(service: StaffServiceDep,
                            token: Annotated[str | None, Depends(oauth2_scheme)]) -> StaffInfo:
    if not token:
        raise _unauthorized("Silakan masuk dulu: token Bearer tidak ada")
    try:
        return await service.decode_token(token)
    except InvalidToken:
        raise _unauthorized("Token tidak sah atau sudah kedaluwarsa; silakan masuk lagi") from None


CurrentStaff = Annotated[StaffInfo, Depends(get_current_staff)]


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
