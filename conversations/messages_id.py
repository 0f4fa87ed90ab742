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
