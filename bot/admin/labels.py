"""The words the admin pages show for the codes the data uses (roles, report statuses,
announcement states, channels). A code missing here is shown as it is."""
from __future__ import annotations

__all__ = ["CHANNEL_NAMES", "ROLE_NAMES", "STATE_NAMES", "STATUS_NAMES"]

ROLE_NAMES = {"admin": "Admin", "dinsos": "Dinas Sosial", "camat": "Camat", "kades": "Kepala Desa",
              "humas": "Humas"}
STATUS_NAMES = {"diajukan": "Diajukan", "diverifikasi_desa": "Diverifikasi desa",
                "diverifikasi_kecamatan": "Diverifikasi kecamatan", "disetujui": "Disetujui",
                "dicairkan": "Dicairkan", "perlu_perbaikan": "Perlu perbaikan", "ditolak": "Ditolak"}
STATE_NAMES = {"draft": "Draf", "scheduled": "Terjadwal", "sending": "Sedang dikirim", "sent": "Terkirim",
               "paused": "Dijeda", "cancelled": "Dibatalkan"}
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "web": "Web chat", "console": "Konsol"}
