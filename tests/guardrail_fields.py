"""What the guardrails of issue 14 ask of a move (services/guardrails.py), for tests whose subject
is something else: documents seen at the office, a desil within the rule, a past transfer."""
from __future__ import annotations

from datetime import date

from services.guardrails import MoveDetails

__all__ = ["PAPER", "PAPER_FORM", "PAPER_JSON"]

PAPER = MoveDetails(desil=2, transfer_date=date(2020, 1, 2), transfer_reference="SP2D-0001/2020",
                    override_reason="dokumen diperiksa langsung di kantor desa")
PAPER_JSON = {"desil": 2, "transfer_date": "2020-01-02", "transfer_reference": "SP2D-0001/2020",
              "override_reason": "dokumen diperiksa langsung di kantor desa"}
PAPER_FORM = {"desil": "2", "tanggal_transfer": "2020-01-02", "referensi_transfer": "SP2D-0001/2020",
              "alasan": "dokumen diperiksa langsung di kantor desa", "yakin": "ya"}
