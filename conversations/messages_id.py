"""Every user-facing string, in Bahasa Indonesia. Short, friendly, and each question says what a
good answer looks like. Placeholders use str.format names."""
from __future__ import annotations

__all__ = ["MSG"]


class MSG:
    # --- menu and global words ---
    welcome = "Halo! Ini Layanan OKI, layanan warga Kabupaten Ogan Komering Ilir. Mau apa hari ini?"
    menu = "Pilih layanan dengan mengetik nomornya atau menekan tombolnya:"
    not_understood = "Maaf, saya belum paham maksudnya. Pilih salah satu layanan di bawah ini:"
    cancelled = "Baik, dibatalkan. Tidak ada data yang disimpan dari percakapan itu."
    too_many_tries = ("Sepertinya jawabannya belum cocok. Tidak apa-apa, kita mulai lagi dari menu. "
                      "Ketik BANTUAN jika perlu petunjuk.")
    not_available = ("Layanan {service} sedang kami siapkan dan belum bisa dipakai di sini. "
                     "Mohon maaf. Untuk sementara, hubungi kantor desa atau kecamatan Anda.")
    help = ("Cara memakai Layanan OKI:\n"
            "• Ketik nomor pilihan atau tekan tombolnya.\n"
            "• MENU: kembali ke daftar layanan.\n"
            "• BATAL: membatalkan yang sedang diisi.\n"
            "• KEMBALI: mengulang pertanyaan sebelumnya.\n"
            "• LANGGANAN SEMUA: menerima pengumuman untuk seluruh OKI.\n"
            "• BERHENTI: berhenti menerima pengumuman. MULAI: berlangganan lagi.\n"
            "Layanan cek BPJS Ketenagakerjaan, lapor kematian, dan cek status laporan sedang disiapkan.")
    help_in_flow = "Untuk melanjutkan, jawab pertanyaan di bawah ini. Ketik BATAL untuk berhenti mengisi."
    too_long = ("Pesannya terlalu panjang (lebih dari {limit} huruf). Mohon kirim yang lebih singkat, "
                "satu jawaban saja.")
    empty = "Pesannya kosong. Silakan ketik jawaban Anda, atau MENU untuk melihat layanan."
    busy = "Pesan Anda sebelumnya masih diproses. Tunggu sebentar lalu kirim lagi, ya."
    error = ("Maaf, sedang ada gangguan di sistem kami. Jawaban Anda belum tersimpan. Coba lagi sebentar lagi, "
             "atau ketik MENU.")
    restarted = "Maaf, layanan ini baru saja diperbarui, jadi kita mulai lagi dari menu:"
    media_too_large = ("File yang Anda kirim terlalu besar (lebih dari {limit} MB). Kirim foto yang lebih "
                       "kecil, misalnya foto biasa dari kamera HP, bukan file asli hasil pindaian.")
    media_bad_type = ("Maaf, jenis file itu tidak bisa kami terima. Kirim foto (JPG atau PNG) atau "
                      "dokumen PDF.")
    share_phone = "Kirim nomor HP saya"
    choose_hint = "Balas dengan nomor atau nama pilihan."
    only_text = "Maaf, di langkah ini saya hanya bisa membaca tulisan. Silakan ketik jawabannya."

    # --- menu labels (also the names used in not_available) ---
    label_cek_bpjs = "Cek kepesertaan BPJS Ketenagakerjaan"
    label_lapor_kematian = "Lapor kematian (santunan)"
    label_status_laporan = "Cek status laporan"
    label_pengumuman = "Pengumuman terbaru"
    label_langganan = "Langganan pengumuman"
    label_berhenti_langganan = "Berhenti langganan"
    label_bantuan = "Bantuan"

    # --- subscription ---
    sub_current_all = "Saat ini Anda berlangganan pengumuman untuk seluruh OKI."
    sub_current_kec = "Saat ini Anda berlangganan pengumuman untuk Kecamatan {kecamatan}."
    sub_current_none = "Saat ini Anda belum berlangganan pengumuman."
    sub_ask_scope = "Pengumuman untuk wilayah mana yang ingin Anda terima?"
    sub_scope_all = "Seluruh OKI"
    sub_scope_kec = "Satu kecamatan"
    sub_scope_retry = "Pilih 1 untuk seluruh OKI atau 2 untuk satu kecamatan saja."
    sub_ask_kecamatan = "Ketik nama kecamatan Anda. Contoh: Kayu Agung, Pedamaran, Tulung Selapan."
    sub_kecamatan_choose = "Maksud Anda kecamatan yang mana? Pilih salah satu, atau ketik ulang namanya."
    sub_kecamatan_unknown = ("Kecamatan \"{text}\" tidak ada di Kabupaten OKI. Ketik nama kecamatan, "
                             "misalnya Kayu Agung, Lempuing, atau Air Sugihan.")
    sub_done_all = ("Terima kasih! Anda akan menerima pengumuman untuk seluruh OKI. "
                    "Ketik BERHENTI kapan saja untuk berhenti.")
    sub_done_kec = ("Terima kasih! Anda akan menerima pengumuman untuk Kecamatan {kecamatan}. "
                    "Ketik BERHENTI kapan saja untuk berhenti.")
    unsub_done = ("Anda sudah berhenti berlangganan. Tidak akan ada pengumuman lagi. "
                  "Ketik MULAI jika ingin berlangganan kembali.")
    unsub_not_subscribed = "Anda memang tidak sedang berlangganan pengumuman. Ketik LANGGANAN untuk mulai."
    resub_done_all = "Selamat datang kembali! Anda berlangganan lagi untuk pengumuman seluruh OKI."
    resub_done_kec = "Selamat datang kembali! Anda berlangganan lagi untuk pengumuman Kecamatan {kecamatan}."

    # --- cek kepesertaan BPJS Ketenagakerjaan ---
    cov_ask_nik = ("Cek kepesertaan BPJS Ketenagakerjaan yang iurannya dibayar Pemkab OKI.\n"
                   "Ketik NIK Anda: 16 angka di KTP atau Kartu Keluarga (boleh dengan spasi).")
    cov_nik_empty = "Ketik NIK Anda: 16 angka di KTP atau Kartu Keluarga."
    cov_nik_letters = "NIK hanya berisi angka, 16 angka. Ketik ulang tanpa huruf atau tanda lain."
    cov_nik_short = ("NIK yang Anda ketik baru {digits} angka, padahal NIK selalu 16 angka. "
                     "Periksa KTP lalu ketik ulang.")
    cov_nik_long = "NIK yang Anda ketik ada {digits} angka, padahal NIK selalu 16 angka. Periksa KTP lalu ketik ulang."
    cov_nik_date = ("Angka ke-7 sampai ke-12 NIK adalah tanggal lahir, dan tanggal di NIK itu tidak mungkin. "
                    "Periksa KTP lalu ketik ulang.")
    cov_nik_region = ("Empat angka pertama NIK adalah kode provinsi dan kabupaten, dan kode itu tidak dikenal. "
                      "Periksa KTP lalu ketik ulang.")
    cov_ask_name = "Terima kasih. Sekarang ketik nama lengkap Anda, sesuai KTP."
    cov_name_retry = "Ketik nama lengkap Anda dengan huruf, sesuai KTP."
    cov_covered = ("Anda terdaftar sebagai peserta BPJS Ketenagakerjaan yang iurannya dibayar Pemkab OKI.\n"
                   "• Status: aktif\n• Program: {programmes}\n• Kategori: {category}\n"
                   "• Masa perlindungan: {start} s.d. {end}\n• Nomor kartu (KPJ): {kpj}\n"
                   "Jika ada data yang salah, sampaikan ke kantor desa/kelurahan Anda.")
    cov_inactive = ("Anda tercatat dalam daftar peserta BPJS Ketenagakerjaan Pemkab OKI, tetapi kepesertaan Anda "
                    "{why}.\n• Program: {programmes}\n• Kategori: {category}\n"
                    "• Masa perlindungan: {start} s.d. {end}\n• Nomor kartu (KPJ): {kpj}\n"
                    "Tanyakan ke kantor desa/kelurahan apakah Anda diusulkan lagi. Anda juga bisa mendaftar sendiri "
                    "sebagai peserta Bukan Penerima Upah (BPU) lewat aplikasi JMO atau kantor BPJS Ketenagakerjaan.")
    cov_why_nonaktif = "tidak aktif"
    cov_why_ended = "sudah berakhir"
    cov_why_not_started = "belum mulai berlaku"
    cov_not_found = ("NIK {nik} dengan nama itu tidak ada dalam daftar peserta BPJS Ketenagakerjaan yang iurannya "
                     "dibayar Pemkab OKI. Pastikan nama ditulis persis seperti di KTP.\n"
                     "Jika memang belum terdaftar:\n"
                     "• minta kepala desa/lurah mengusulkan Anda sebagai peserta; atau\n"
                     "• daftar sendiri sebagai peserta Bukan Penerima Upah (BPU) lewat aplikasi JMO atau kantor "
                     "BPJS Ketenagakerjaan terdekat.\n"
                     "Daftar ini diperbarui dari data BPJS Ketenagakerjaan; jika baru diusulkan, coba lagi nanti.")
    cov_rate_limited = ("Demi keamanan data, cek kepesertaan dibatasi {per_hour} kali per jam dan {per_day} kali "
                        "per hari. Silakan coba lagi {when}.")
    cov_when_time = "setelah pukul {time} WIB"
    cov_when_tomorrow = "besok setelah pukul {time} WIB"
    cov_unknown_kpj = "belum tercatat"
    programme_names = {"JKK": "JKK (Jaminan Kecelakaan Kerja)", "JKM": "JKM (Jaminan Kematian)",
                       "JHT": "JHT (Jaminan Hari Tua)", "JP": "JP (Jaminan Pensiun)",
                       "JKP": "JKP (Jaminan Kehilangan Pekerjaan)"}
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember")
