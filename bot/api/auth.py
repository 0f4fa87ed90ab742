"""Staff sign-in: `POST /api/v1/auth/token` (OAuth2 password form) and `GET /api/v1/auth/me`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from bot.api.deps import CurrentStaff, StaffServiceDep
from bot.api.problems import UNAUTHORIZED
from handlers.metrics import RATE_LIMITED
from services.staff import LoginFailed, LoginThrottled

__all__ = ["router", "Token", "StaffOut"]

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int  # seconds


class StaffOut(BaseModel):
    id: int
    username: str
    role: str
    kecamatan_code: str | None
    desa_code: str | None


@router.post("/token", responses={401: {"description": "wrong username or password"},
                                  429: {"description": "too many failures from this source; see Retry-After"}})
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], service: StaffServiceDep,
                request: Request, response: Response) -> Token:
    """Exchange a username and password for a bearer token. Failures are throttled by where they
    come from (the client address as the trusted proxy gives it), not by account."""
    try:
        staff = await service.authenticate(username=form.username, password=form.password,
                                           client_ip=request.client.host if request.client else None)
    except LoginThrottled as exc:
        RATE_LIMITED.labels("staff_login").inc()
        minutes = -(-exc.retry_after_seconds // 60)
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail=f"Terlalu banyak percobaan gagal; coba lagi dalam {minutes} menit",
                            headers={"Retry-After": str(exc.retry_after_seconds)}) from None
    except LoginFailed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Nama pengguna atau kata sandi salah",
                            headers={"WWW-Authenticate": "Bearer"}) from None
    access_token, expires_in = service.issue_token(staff)
    response.headers["Cache-Control"] = "no-store"
    return Token(access_token=access_token, expires_in=expires_in)


@router.get("/me", responses=UNAUTHORIZED)
async def me(staff: CurrentStaff) -> StaffOut:
    """The signed-in staff member."""
    return StaffOut(id=staff.id, username=staff.username, role=staff.role, kecamatan_code=staff.kecamatan_code,
                    desa_code=staff.desa_code)
