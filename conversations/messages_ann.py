"""User-facing strings of the announcement review in the staff chat (the approver's notice, the
test send to one's own chat), in Bahasa Indonesia: part of the catalogue (conversations/messages_id.py
`MSG` inherits them), kept apart to keep each module short."""
from __future__ import annotations

__all__ = ["AnnouncementReviewTexts"]


class AnnouncementReviewTexts:
    staff_announcement_approval = ("Pengumuman \"{title}\" dari {author} menunggu persetujuan Anda. Baca isinya, "
                                   "lalu setujui atau batalkan: {url}")
    staff_announcement_test = ("🧪 UJI COBA — hanya dikirim ke chat Anda, belum ke warga. Beginilah pengumuman "
                               "ini akan tampil:")
