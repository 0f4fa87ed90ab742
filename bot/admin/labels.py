"""The words the admin pages show for the codes the data uses (roles, report statuses,
announcement states, channels). A code missing here is shown as it is."""
from __future__ import annotations

__all__ = ["CHANNEL_NAMES", "DELIVERY_NAMES", "ROLE_NAMES", "STATE_NAMES", "STATUS_NAMES", "TASK_NAMES"]

ROLE_NAMES = {"admin": "Admin", "dinsos": "Dinas Sosial", "camat": "Camat", "kades": "Kepala Desa",
              "humas": "Humas"}
STATUS_NAMES = {"diajukan": "Diajukan", "diverifikasi_desa": "Diverifikasi desa",
                "diverifikasi_kecamatan": "Diverifikasi kecamatan", "disetujui": "Disetujui",
                "dicairkan": "Dicairkan", "perlu_perbaikan": "Perlu perbaikan", "ditolak": "Ditolak"}
STATE_NAMES = {"draft": "Draf", "scheduled": "Terjadwal", "sending": "Sedang dikirim", "sent": "Terkirim",
               "paused": "Dijeda", "cancelled": "Dibatalkan"}
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "web": "Web chat", "console": "Konsol"}
TASK_NAMES = {"diverifikasi_desa": "verifikasi desa", "diverifikasi_kecamatan": "verifikasi kecamatan",
              "disetujui": "persetujuan", "dicairkan": "pencairan"}
DELIVERY_NAMES = {"pending": "Menunggu dikirim", "sending": "Sedang dikirim", "sent": "Terkirim",
                  "delivered": "Sampai", "read": "Dibaca", "failed": "Gagal", "held": "Ditahan (tidak dapat dikirim)",
                  "skipped": "Dilewati"}
