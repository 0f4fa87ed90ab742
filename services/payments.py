"""The payment list: approved reports ready for transfer, as an accountant takes them (amount, heir,
bank, account, approver, WIB dates, Indonesian headers), and a batch mark-paid with one transfer
date and reference, each report moved through the same workflow, guardrails and audit as one by one."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.guardrails import MissingField, MoveDetails
from services.privacy import mask_account
from services.santunan import NotAllowed, Santunan, WrongMove
from services.sheets import wib_cell
from services.staff import StaffInfo
from storage.reports import ReportFilter, StaleStatus

__all__ = ["FULL_ACCOUNT_ROLES", "HEADER", "mark_paid", "payment_rows"]

FULL_ACCOUNT_ROLES = ("admin", "dinsos")  # who pays sees the whole account number; others its last 4 digits
HEADER = ["Nomor laporan", "Status", "Almarhum", "Kecamatan", "Desa/kelurahan", "Ahli waris", "Bank",
          "Nomor rekening", "Atas nama rekening", "Jumlah (Rp)", "Desil DTSEN", "Disetujui oleh",
          "Tanggal disetujui (WIB)", "Tenggat pembayaran (WIB)", "Tanggal transfer", "Referensi transfer"]


async def payment_rows(santunan: Santunan, staff: StaffInfo, *, status: str, place: Callable[[str], str],
                       who: Callable[[str], str]) -> list[list[Any]]:
    """One row per report in `status` (disetujui: to pay; dicairkan: paid) in the staff member's area."""
    reports, _ = await santunan.search(staff, ReportFilter(status=status), page=1, size=100_000)
    rows = []
    for r in reports:
        approval = next((e for e in reversed(await santunan.history(r)) if e.to_status == "disetujui"), None)
        account = r.bank_account or ""
        rows.append([r.reference, r.status, r.deceased_name, place(r.kecamatan_code), place(r.desa_code), r.heir_name,
                     r.bank_name or "", account if staff.role in FULL_ACCOUNT_ROLES else mask_account(account),
                     r.bank_holder or "", santunan.rules.amount, r.desil or "",
                     who(approval.actor) if approval else "", wib_cell(approval.at if approval else None),
                     wib_cell(r.stage_due), r.transfer_date.strftime("%d-%m-%Y") if r.transfer_date else "",
                     r.transfer_reference or ""])
    return rows


async def mark_paid(santunan: Santunan, staff: StaffInfo, references: Sequence[str],
                    details: MoveDetails) -> tuple[list[str], list[tuple[str, str]]]:
    """Mark each report paid with the same transfer: (the references moved, (reference, why not) for
    the others). A missing transfer date or reference moves none (MissingField)."""
    if details.transfer_date is None or not (details.transfer_reference or "").strip():
        raise MissingField("transfer_date, transfer_reference", "wajib diisi")
    done, failed = [], []
    for reference in dict.fromkeys(references):
        try:
            await santunan.transition(reference=reference, to="dicairkan", note="pencairan bersama", staff=staff,
                                      details=details)
            done.append(reference)
        except (NotAllowed, LookupError):
            failed.append((reference, "di luar wilayah atau peran Anda"))
        except (WrongMove, StaleStatus):
            failed.append((reference, "statusnya sudah bukan «Disetujui»"))
        except MissingField as exc:
            failed.append((reference, exc.problem))
    return done, failed
