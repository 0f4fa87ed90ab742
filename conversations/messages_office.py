"""User-facing strings of the office's work in the staff chat (deep links, confirmations, the
documents guardrail), in Bahasa Indonesia: part of the catalogue (conversations/messages_id.py
`MSG` inherits them), kept apart to keep each module short."""
from __future__ import annotations

__all__ = ["OfficeTexts"]


class OfficeTexts:
    doc_received = "{document} diterima ✓"
    staff_report_link = "Buka laporan: {url}"
    staff_confirm_verify = ("Verifikasi laporan {reference}? Pastikan dokumennya sudah Anda periksa. "
                            "Balas VERIFIKASI {reference} YA untuk melanjutkan, atau abaikan pesan ini.")
    staff_confirm_yes = "Ya, verifikasi"
    staff_docs_missing = ("Laporan {reference} belum lengkap dokumennya: {missing}. Verifikasi tanpa dokumen itu "
                          "hanya dari halaman staf, dengan alasan yang dicatat: {url}")
    document_kinds = {"sktm": "SKTM", "akta_kematian": "akta/surat keterangan kematian", "kk": "Kartu Keluarga",
                      "ktp_almarhum": "KTP almarhum", "ktp_ahli_waris": "KTP ahli waris"}
