"""User-facing strings of the helpdesk, the drafts and the forms' field names, in Bahasa Indonesia:
part of the catalogue (conversations/messages_id.py `MSG` inherits them), kept apart to keep each
module short."""
from __future__ import annotations

__all__ = ["FormTexts"]


class FormTexts:
    # --- bicara dengan petugas (helpdesk) ---
    hd_opened = ("Baik, Anda kami sambungkan dengan petugas. Tulis pertanyaan atau masalah Anda di sini; petugas "
                 "akan membalas di chat ini. Ketik SELESAI jika sudah selesai, atau MENU untuk kembali ke layanan "
                 "otomatis.")
    hd_opened_again = ("Anda sudah terhubung dengan petugas. Pesan ini sudah kami teruskan; petugas akan membalas "
                       "di sini.")
    hd_away = ("Saat ini di luar jam kerja petugas. Pesan Anda sudah kami catat dan akan dibaca petugas {when}. "
               "Anda tidak perlu mengirim ulang.")
    back_was = "Kembali ke langkah sebelumnya. Jawaban Anda tadi: {answer}. Silakan jawab lagi."
    hd_ack = "Pesan Anda sudah kami teruskan ke petugas. Mohon tunggu balasannya di sini."
    hd_ask_area = ("Agar sampai ke petugas wilayah Anda: Anda tinggal di kecamatan dan desa mana? Contoh: "
                   "Pedamaran, desa Cinta Jaya. Boleh juga langsung tulis pertanyaan Anda.")
    hd_area_thanks = "Terima kasih. Pesan Anda kami teruskan juga ke petugas {place}. Mohon tunggu balasannya di sini."
    hd_reply = "Petugas: {text}"
    hd_leave_ask = ("Anda sedang terhubung dengan petugas. Keluar dari percakapan dengan petugas dan kembali ke "
                    "layanan otomatis?")
    hd_leave_yes = "Ya, kembali ke menu"
    hd_leave_no = "Tidak, tetap dengan petugas"
    hd_leave_retry = "Pilih 1 untuk kembali ke menu, atau 2 untuk tetap terhubung dengan petugas."
    hd_stay = "Baik, Anda tetap terhubung dengan petugas. Silakan tulis pesan Anda."
    hd_closed_by_you = ("Percakapan dengan petugas sudah selesai. Terima kasih! Layanan otomatis kembali melayani "
                        "Anda; ketik MENU untuk melihat layanan, atau PETUGAS jika perlu petugas lagi.")
    hd_closed = ("Percakapan dengan petugas sudah selesai. Layanan otomatis kembali melayani Anda; ketik MENU untuk "
                 "melihat layanan, atau PETUGAS jika perlu petugas lagi.")
    hd_closed_idle = ("Percakapan dengan petugas kami tutup karena beberapa waktu tidak ada pesan baru. Ketik PETUGAS "
                      "jika masih perlu bantuan.")
    hd_closed_meanwhile = ("Percakapan dengan petugas sudah ditutup oleh petugas. Layanan otomatis kembali melayani "
                           "Anda.")
    hd_rate = "Seberapa puas Anda dengan bantuan petugas?"
    hd_rate_good = "Puas"
    hd_rate_ok = "Biasa saja"
    hd_rate_bad = "Tidak puas"
    hd_rate_thanks = "Terima kasih atas penilaian Anda. Ketik MENU untuk melihat layanan lain."
    hd_waiting = "Petugas sudah membalas pesan Anda. Balas pesan ini untuk membacanya."
    hd_staff_ticket = ("Ada warga yang menunggu petugas: percakapan #{ticket}, topik {topic}{place}. Buka kotak masuk: "
                       "{url}")
    hd_topics = {"santunan": "santunan kematian", "kepesertaan": "kepesertaan BPJS Ketenagakerjaan",
                 "pengumuman": "pengumuman", "lainnya": "lainnya"}
    label_petugas = "Bicara dengan petugas"
    hd_ask_about = "Tanya petugas tentang laporan {reference}"
    hd_status = {"open": "masih berjalan", "closed": "selesai"}
    data_ticket = "#{number} ({status})"

    # --- drafts: a form is never thrown away (conversations/drafts.py) ---
    draft_saved = ("Jawaban Anda sudah kami simpan; lanjutkan kapan saja dengan memilih layanan yang sama. "
                   "Pilih layanan:")
    draft_offer = "Lanjutkan {form} yang belum selesai{where}?"
    draft_where = " (langkah {n} dari {m}: {label})"
    draft_continue = "Lanjutkan"
    draft_fresh = "Mulai baru"
    batal_ask = "Jawaban yang sudah Anda isi mau disimpan untuk dilanjutkan nanti, atau dihapus?"
    batal_keep = "Simpan"
    batal_drop = "Hapus"
    progress = "Langkah {n} dari {m}."
    stuck = ("Jawaban yang sudah Anda isi tetap tersimpan. Coba ketik lagi, atau pilih salah satu di bawah ini.")
    stuck_short = "Coba ketik lagi, atau pilih salah satu di bawah ini."
    stuck_example = "Contoh jawaban yang bisa kami baca: {example}\n"
    stuck_later = "Lewati dulu"
    stuck_person = "Tanya petugas"
    stuck_menu = "Menu"
    form_titles = {"lapor_kematian": "laporan kematian", "cek_bpjs": "cek kepesertaan BPJS Ketenagakerjaan",
                   "status_laporan": "cek status laporan"}

    # --- the fields of the forms, by name (progress, "Lanjutkan … (langkah 9 dari 19: nomor KK)", "ubah …") ---
    field_consent = "persetujuan"
    field_reporter = "nama pelapor"
    field_relationship = "hubungan dengan almarhum"
    field_nik = "NIK almarhum"
    field_name = "nama almarhum"
    field_date = "tanggal meninggal"
    field_kecamatan = "kecamatan"
    field_desa = "desa atau kelurahan"
    field_kk = "nomor KK"
    field_heir = "ahli waris"
    field_phone = "nomor HP ahli waris"
    field_bank = "bank"
    field_account = "nomor rekening"
    field_holder = "nama pemilik rekening"
    field_cov_nik = "NIK"
    field_cov_name = "nama lengkap"
    doc_example = "foto yang jelas dari kamera HP, atau file PDF. Belum ada? Ketik NANTI."
    help_nik = ("NIK itu Nomor Induk Kependudukan: 16 angka di KTP (di bawah nama provinsi) atau di Kartu "
                "Keluarga, di samping nama orangnya.")
    help_kk = "Nomor KK itu 16 angka di bagian atas Kartu Keluarga, sesudah tulisan \"No.\"."
