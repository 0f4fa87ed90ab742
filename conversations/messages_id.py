"""Every user-facing string, in Bahasa Indonesia. Short, friendly, and each question says what a
good answer looks like. Placeholders use str.format names."""
from __future__ import annotations

from conversations.messages_ann import AnnouncementReviewTexts
from conversations.messages_answers import AnswerTexts
from conversations.messages_forms import FormTexts
from conversations.messages_office import OfficeTexts
from conversations.messages_parsers import ParserTexts
from conversations.messages_reach import ReachTexts

__all__ = ["MSG"]


class MSG(FormTexts, ParserTexts, AnswerTexts, ReachTexts, OfficeTexts, AnnouncementReviewTexts):
    # --- menu and global words ---
    welcome = "Halo! Ini Layanan OKI, layanan warga Kabupaten Ogan Komering Ilir. Mau apa hari ini?"
    menu = "Pilih layanan dengan mengetik nomornya atau menekan tombolnya:"
    not_understood = "Maaf, saya belum paham maksudnya. Pilih salah satu layanan di bawah ini:"
    cancelled = "Baik, dibatalkan. Tidak ada data yang disimpan dari percakapan itu."
    not_available = ("Layanan {service} sedang kami siapkan dan belum bisa dipakai di sini. "
                     "Mohon maaf. Untuk sementara, hubungi kantor desa atau kecamatan Anda.")
    help = ("Cara memakai Layanan OKI:\n"
            "• Ketik nomor pilihan atau tekan tombolnya.\n"
            "• CEK BPJS: cek kepesertaan BPJS Ketenagakerjaan.\n"
            "• LAPOR KEMATIAN: mengajukan santunan kematian. CEK STATUS: melihat perkembangan laporan.\n"
            "• MENU: kembali ke daftar layanan. BATAL: membatalkan yang sedang diisi. "
            "KEMBALI: mengulang pertanyaan sebelumnya.\n"
            "• LANGGANAN SEMUA: menerima pengumuman untuk seluruh OKI. BERHENTI: berhenti menerima "
            "pengumuman. MULAI: berlangganan lagi.\n"
            "• PENGUMUMAN: lima pengumuman terbaru.\n"
            "• DATA SAYA: melihat data Anda yang kami simpan. HAPUS DATA SAYA: menghapusnya.")
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
    media_not_saved = ("Maaf, file Anda belum bisa kami simpan karena ada gangguan di sistem kami. Jawaban Anda "
                       "sebelumnya tetap tersimpan. Coba kirim file itu lagi beberapa saat lagi.")
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
    proof_needed = ("Sebentar, halaman ini sedang memeriksa bahwa Anda bukan program otomatis (sekitar satu "
                    "detik), lalu pesan Anda dikirim lagi dengan sendirinya. Jika tidak terjadi apa-apa, muat ulang "
                    "halaman dan coba lagi, atau pakai WhatsApp atau Telegram Layanan OKI.")
    lookups_refused = ("Demi keamanan data warga, pencarian dari jaringan Anda atau untuk data ini sedang dibatasi. "
                       "Silakan coba lagi {when}.")
    wait_minutes = "sekitar {minutes} menit lagi"
    cov_when_time = "setelah pukul {time} WIB"
    cov_when_tomorrow = "besok setelah pukul {time} WIB"
    cov_unknown_kpj = "belum tercatat"
    programme_names = {"JKK": "JKK (Jaminan Kecelakaan Kerja)", "JKM": "JKM (Jaminan Kematian)",
                       "JHT": "JHT (Jaminan Hari Tua)", "JP": "JP (Jaminan Pensiun)",
                       "JKP": "JKP (Jaminan Kehilangan Pekerjaan)"}
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember")

    # --- lapor kematian (santunan) ---
    yes = "Ya"
    no = "Tidak"
    later = "Nanti"
    rep_consent = ("Turut berduka cita. Kami bantu melaporkan kematian untuk santunan kematian Pemkab OKI "
                   "(Rp{amount} ditransfer ke rekening ahli waris, untuk keluarga kurang mampu di DTSEN "
                   "desil 1–{desil}; laporan paling lambat {window} hari setelah meninggal).\n"
                   "Kami akan mencatat data almarhum/almarhumah, pelapor, ahli waris, dan foto dokumen. Data ini "
                   "hanya dilihat petugas desa, kecamatan, dan Dinas Sosial untuk memproses santunan.\n"
                   "Setuju data Anda kami catat untuk keperluan ini?")
    rep_consent_retry = "Jawab Ya jika setuju, atau Tidak jika tidak."
    rep_no_consent = "Baik, tidak ada data yang kami simpan. Jika berubah pikiran, ketik LAPOR KEMATIAN."
    rep_ask_reporter = "Siapa nama Anda (pelapor)?"
    rep_ask_relationship = "Apa hubungan Anda dengan yang meninggal?"
    rel_child = "Anak"
    rel_spouse = "Suami/Istri"
    rel_parent = "Orang tua"
    rel_sibling = "Saudara"
    rel_other = "Lainnya"
    rep_name_retry = "Ketik nama lengkap dengan huruf."
    rep_name_later = ("Nama ini kami perlukan sekarang untuk melanjutkan. Ketik nama lengkapnya sesuai KTP; "
                      "dokumen dan rekening boleh menyusul.")
    rep_ask_nik = "Ketik NIK almarhum/almarhumah: 16 angka di KTP atau Kartu Keluarga."
    rep_exists = ("NIK ini sudah pernah dilaporkan, jadi tidak perlu melapor lagi.\nNomor laporan: {reference}\n"
                  "Status: {status}\nKetik CEK STATUS untuk melihat perkembangannya.")
    rep_exists_other = ("Untuk NIK ini sudah ada laporan santunan, jadi tidak perlu melapor lagi. Keluarga yang "
                        "melapor dapat mengecek perkembangannya dengan CEK STATUS. Jika ada pertanyaan, hubungi "
                        "{office}.")
    rep_ask_name = "Siapa nama lengkap almarhum/almarhumah (sesuai KTP)?"
    rep_ask_date = "Kapan meninggalnya? Contoh: 17-08-2025, 17 Agustus 2025, kemarin, atau hari ini."
    rep_date_unreadable = ("Tanggal itu belum bisa saya baca. Contoh: 17-08-2025, 17/8/25, 17 Agustus 2025, "
                           "atau kemarin.")
    rep_date_impossible = "Tanggal itu tidak ada di kalender. Periksa lagi, contoh: 17-08-2025."
    rep_date_future = "Tanggal itu belum terjadi. Ketik tanggal meninggal, contoh: kemarin atau 17-08-2025."
    rep_late = ("Mohon maaf, santunan kematian hanya bisa diajukan paling lambat {window} hari setelah meninggal, "
                "sedangkan tanggal itu sudah {days} hari yang lalu. Untuk pertanyaan, hubungi {office}.")
    rep_ask_kecamatan = "Di kecamatan mana almarhum/almarhumah tinggal? Contoh: Kayu Agung, Pedamaran."
    rep_ask_desa = "Di desa/kelurahan mana dalam Kecamatan {kecamatan}?"
    rep_desa_choose = "Maksud Anda desa/kelurahan yang mana? Pilih salah satu, atau ketik ulang namanya."
    rep_desa_unknown = "Desa/kelurahan \"{text}\" tidak ada di Kecamatan {kecamatan}. Periksa lagi namanya."
    rep_ask_kk = "Ketik nomor Kartu Keluarga (KK) almarhum/almarhumah: 16 angka."
    rep_kk_letters = "Nomor KK hanya berisi angka, 16 angka."
    rep_kk_length = "Nomor KK yang Anda ketik {digits} angka, padahal nomor KK selalu 16 angka."
    rep_ask_heir = "Siapa nama ahli waris yang akan menerima santunan?"
    rep_heir_me = "Saya sendiri"
    rep_ask_phone = "Berapa nomor HP ahli waris? Contoh: 0812 3456 7890."
    rep_phone_mine = "Nomor saya ini"
    rep_phone_retry = "Itu bukan nomor HP Indonesia. Contoh: 0812 3456 7890."
    rep_ask_bank = ("Santunan ditransfer ke rekening ahli waris. Nama banknya apa? Contoh: BRI, BNI, Bank Sumsel "
                    "Babel. Jika belum ada, ketik NANTI.")
    rep_ask_account = "Nomor rekeningnya berapa?"
    rep_account_retry = "Nomor rekening hanya berisi angka (6 sampai 20 angka)."
    rep_ask_holder = "Rekening itu atas nama siapa?"
    rep_ask_document = ("Kirim foto atau PDF {document}. Foto harus jelas dan terbaca. Jika belum ada, ketik NANTI "
                        "(dokumen boleh menyusul; batas {window} hari hanya untuk laporannya).")
    rep_document_retry = "Kirim foto atau file PDF {document}, atau ketik NANTI jika belum ada."
    doc_sktm = "Surat Keterangan Tidak Mampu (SKTM) dari kepala desa/lurah"
    doc_akta_kematian = "akta kematian atau surat keterangan kematian"
    doc_kk = "Kartu Keluarga almarhum/almarhumah"
    doc_ktp_almarhum = "KTP almarhum/almarhumah"
    doc_ktp_ahli_waris = "KTP ahli waris"
    rep_summary = ("Periksa data laporan:\n• Almarhum/almarhumah: {name} (NIK {nik})\n• Meninggal: {date}\n"
                   "• Alamat: {desa}, Kec. {kecamatan}\n• No. KK: {kk}\n• Pelapor: {reporter} ({relationship})\n"
                   "• Ahli waris: {heir}, HP {phone}\n• Rekening: {bank}\n• Dokumen: {documents}\n"
                   "(Demi keamanan, nomor NIK, KK, HP dan rekening hanya ditampilkan sebagian.)\nSudah benar?")
    rep_send = "Benar, kirim"
    rep_change = "Ubah data"
    rep_summary_retry = "Pilih Benar, kirim atau Ubah data."
    rep_which = "Data mana yang ingin diubah?"
    rep_edit_labels = {"reporter": "Nama pelapor", "relationship": "Hubungan", "nik": "NIK almarhum",
                       "name": "Nama almarhum", "date": "Tanggal meninggal", "kecamatan": "Kecamatan dan desa",
                       "kk": "Nomor KK", "heir": "Ahli waris", "phone": "Nomor HP", "bank": "Bank",
                       "account": "Nomor rekening",
                       "doc_sktm": "SKTM", "doc_akta_kematian": "Akta/surat kematian", "doc_kk": "Foto KK",
                       "doc_ktp_almarhum": "KTP almarhum", "doc_ktp_ahli_waris": "KTP ahli waris"}
    rep_later_text = "menyusul"
    rep_none = "belum ada"
    rep_filed = ("Laporan sudah kami terima dan simpan.\nNomor laporan: {reference}\nSimpan nomor ini.\n"
                 "Langkah berikutnya: kepala desa/lurah memeriksa laporan, lalu kecamatan, lalu Dinas Sosial. "
                 "Kami kabari setiap ada perubahan. Dinas Sosial juga memeriksa apakah keluarga termasuk DTSEN desil "
                 "1–{desil}; keluarga dapat menanyakan desilnya ke kantor desa/kelurahan atau Dinas Sosial.")
    rep_filed_missing = "Dokumen yang belum dikirim: {documents}. Kirim lewat CEK STATUS dengan nomor laporan ini."
    rep_filed_late = "Catatan: laporan ini melewati batas {window} hari; Dinas Sosial yang memutuskan."
    rep_jkm = ("Penting: almarhum/almarhumah terdaftar sebagai peserta BPJS Ketenagakerjaan yang dibayar Pemkab OKI. "
               "Ahli waris juga berhak mengajukan Jaminan Kematian (JKM) sebesar Rp42 juta (Rp20 juta santunan "
               "kematian, Rp12 juta santunan berkala, Rp10 juta biaya pemakaman), 42 kali santunan ini.\n"
               "Dokumen JKM: kartu BPJS Ketenagakerjaan (KPJ), KTP almarhum dan ahli waris, KK, akta kematian atau "
               "surat keterangan kematian, surat keterangan ahli waris dari lurah/kepala desa, buku nikah jika ahli "
               "waris suami/istri, dan buku tabungan.\nAjukan di {jkm_contact}.")
    status_names = {"diajukan": "diajukan, menunggu pemeriksaan desa/kelurahan",
                    "diverifikasi_desa": "sudah diperiksa desa, menunggu pemeriksaan kecamatan",
                    "diverifikasi_kecamatan": "sudah diperiksa kecamatan, menunggu persetujuan Dinas Sosial",
                    "disetujui": "disetujui Dinas Sosial, menunggu pencairan",
                    "dicairkan": "santunan sudah ditransfer ke rekening ahli waris",
                    "perlu_perbaikan": "perlu perbaikan: ada data atau dokumen yang kurang",
                    "ditolak": "ditolak"}
    notice_status = "Kabar laporan santunan {reference}: {status}."
    notice_message = "Pesan petugas: {message}"
    notice_fix = "Kirim kekurangannya lewat CEK STATUS, dengan nomor laporan {reference}."
    template_details = "Balas pesan ini dengan STATUS untuk melihat rinciannya."

    # --- staff in the chat (kades, camat; linked with TAUTKAN <kode>) ---
    link_how = ("Untuk menautkan chat ini ke akun staf, buka halaman Tautkan Chat di halaman staf, tekan Buat kode, "
                "lalu kirim TAUTKAN diikuti kodenya. Contoh: TAUTKAN 7KQ4M2HX.")
    link_done = ("Berhasil. Chat ini sekarang tertaut ke akun staf {username} ({role}). Kabar laporan yang menunggu "
                 "pemeriksaan Anda akan dikirim ke sini. Untuk memutuskan, buka halaman Tautkan Chat di halaman staf.")
    link_wrong = "Kode itu tidak cocok. Periksa lagi kodenya (8 huruf dan angka), atau buat kode baru di halaman staf."
    link_expired = "Kode itu sudah tidak berlaku (berlaku 15 menit, sekali pakai). Buat kode baru di halaman staf."
    link_throttled = ("Terlalu banyak kode yang salah dari chat ini. Demi keamanan, coba lagi nanti dengan kode baru "
                      "dari halaman staf.")
    link_channel = "Chat staf hanya bisa ditautkan dari WhatsApp atau Telegram."
    role_names = {"kades": "kepala desa/lurah", "camat": "camat", "dinsos": "Dinas Sosial", "admin": "admin",
                  "humas": "humas"}
    staff_stage = {"diajukan": "desa/kelurahan", "diverifikasi_desa": "kecamatan"}
    staff_report = ("Laporan santunan {reference} menunggu pemeriksaan {stage}.\n"
                    "• Desa/kelurahan: {desa}, Kec. {kecamatan}\n• Almarhum/almarhumah: {initials}\n"
                    "• Meninggal: {date}\n"
                    "Rincian dan dokumennya ada di halaman staf. Balas VERIFIKASI {reference} jika sudah benar, atau "
                    "PERBAIKAN {reference} jika ada yang kurang.")
    staff_report_again = "Laporan ini dikirim kembali oleh keluarga setelah perbaikan."
    staff_verify = "Verifikasi"
    staff_fix = "Minta perbaikan"
    staff_bad_reference = "Nomor laporan itu tidak cocok. Contoh: VERIFIKASI SK-7KQ4-M2H."
    staff_not_found = "Laporan {reference} tidak ada di wilayah Anda."
    staff_verify_role = ("Verifikasi lewat chat hanya untuk kepala desa/lurah dan camat. Gunakan halaman staf untuk "
                         "langkah lainnya.")
    staff_cannot = ("Laporan {reference} tidak bisa {action} oleh akun Anda sekarang: statusnya {status}. "
                    "Tidak ada yang diubah.")
    staff_action_verify = "diverifikasi"
    staff_action_fix = "dikembalikan untuk perbaikan"
    staff_verified = "Terima kasih. Laporan {reference} kini berstatus: {status}."
    staff_ask_note = ("Apa yang kurang atau perlu diperbaiki pada laporan {reference}? Tulis dengan jelas, misalnya "
                      "\"SKTM belum ada\" atau \"foto KK tidak terbaca\". Pesan ini diteruskan ke pelapor. "
                      "Ketik BATAL untuk tidak jadi.")
    staff_note_retry = "Tulis apa yang kurang, paling sedikit beberapa kata, misalnya \"SKTM belum ada\"."
    staff_fix_sent = ("Laporan {reference} dikembalikan ke keluarga untuk perbaikan dengan catatan: {note}. "
                      "Kami kabari lagi setelah kekurangannya dikirim.")
    staff_unlinked = "Chat ini tidak lagi tertaut ke akun staf yang aktif, jadi tidak ada yang diubah."
    staff_announcement_paused = ("Pengumuman \"{title}\" dihentikan sementara. Alasan: {reason}. Periksa di halaman "
                                 "staf, lalu lanjutkan atau batalkan.")

    # --- data pribadi (UU PDP No. 27/2022): DATA SAYA, HAPUS DATA SAYA ---
    data_summary = ("Data Anda yang kami simpan:\n• Saluran: {channel}\n• Nama profil: {name}\n"
                    "• Langganan pengumuman: {subscription}\n• NIK tertaut: {nik}\n"
                    "• Laporan santunan yang Anda ajukan: {reports}\n"
                    "• Pertama kali menghubungi: {first}. Terakhir menulis: {last}.\n"
                    "• Percakapan dengan petugas: {tickets}\n"
                    "Isi percakapan dengan layanan otomatis tidak kami simpan; jawaban formulir yang belum selesai "
                    "disimpan sebagai draf (laporan kematian 14 hari, lainnya beberapa jam) lalu terhapus sendiri. "
                    "Percakapan dengan petugas disimpan untuk petugas sampai {ticket_days} hari setelah selesai. "
                    "Ketik HAPUS DATA SAYA untuk menghapus data ini.")
    data_channel_phone = "{channel}, nomor {phone}"
    data_none = "tidak ada"
    data_sub_all = "seluruh OKI"
    data_sub_kec = "Kecamatan {kecamatan}"
    data_sub_none = "tidak berlangganan"
    data_nik = "{nik} (dari cek kepesertaan BPJS Ketenagakerjaan)"
    data_nik_unknown = "ada (dari cek kepesertaan BPJS Ketenagakerjaan)"
    data_report = "{reference} ({status})"
    channel_names = {"whatsapp": "WhatsApp", "telegram": "Telegram", "web": "web chat", "console": "konsol"}
    erase_ask = ("Anda meminta kami menghapus data Anda. Yang dihapus: nomor HP dan nama profil chat ini, NIK yang "
                 "tertaut, langganan pengumuman, percakapan yang sedang berjalan, dan pesan yang belum terkirim. "
                 "Tidak bisa dibatalkan.\n{reports}Lanjutkan menghapus?")
    erase_reports_kept = ("Laporan santunan {references} TIDAK ikut dihapus: laporan itu arsip pemerintah atas "
                          "penggunaan uang daerah, yang wajib disimpan (UU No. 27 Tahun 2022 tentang Pelindungan Data "
                          "Pribadi, Pasal 15 ayat (1) huruf c). Yang tetap disimpan: data almarhum/almarhumah, nama "
                          "pelapor, ahli waris, nomor HP dan rekening ahli waris, serta dokumennya, untuk Dinas "
                          "Sosial. "
                          "Laporan itu tidak lagi terhubung ke chat ini, jadi kabar perkembangannya tidak dikirim ke "
                          "sini lagi; cek lewat CEK STATUS dengan nomor laporannya.\n")
    erase_yes = "Ya, hapus"
    erase_no = "Tidak"
    erase_retry = "Jawab Ya, hapus untuk menghapus data Anda, atau Tidak untuk membatalkan."
    erase_kept = "Baik, tidak ada yang dihapus."
    erase_done = ("Data Anda sudah kami hapus. Jika Anda mengirim pesan lagi, chat ini tercatat lagi sebagai kontak "
                  "baru.")
    erase_done_reports = "Laporan santunan {references} tetap tersimpan sebagai arsip pemerintah."

    # --- pengumuman (broadcasts) ---
    announcement = ("📢 {title}\n\n{body}{link}\n\n— Pengumuman Pemkab OKI. Ketik BERHENTI untuk berhenti menerima "
                    "pengumuman.")

    ann_none = "Belum ada pengumuman. Ketik LANGGANAN agar pengumuman berikutnya dikirim ke sini."
    ann_latest = "Pengumuman terbaru dari Pemkab OKI:"
    ann_archive = "Semua pengumuman: {url}"

    # --- cek status laporan ---
    st_ask = "Ketik nomor laporan (contoh: SK-7KQ4-M2H), atau pilih Laporan saya."
    st_mine = "Laporan saya"
    st_bad = "Nomor laporan itu tidak cocok. Periksa lagi hurufnya, contoh: SK-7KQ4-M2H."
    st_unknown = "Laporan dengan nomor itu tidak kami temukan. Periksa lagi nomornya."
    st_none = "Belum ada laporan dari nomor ini. Ketik nomor laporannya, atau MENU."
    st_choose = "Laporan yang mana?"
    st_other = ("Laporan {reference} ada. Rinciannya hanya untuk keluarga yang melapor, dan mereka dapat "
                "mengeceknya dari HP yang dipakai untuk melapor.\n"
                "Jika Anda keluarga itu, ketik NIK almarhum/almarhumah atau nomor HP ahli waris yang tertulis di "
                "laporan. Atau ketik MENU.")
    st_prove_retry = ("Ketik NIK almarhum/almarhumah (16 angka) atau nomor HP ahli waris (contoh: 0812 3456 7890), "
                      "atau ketik MENU.")
    st_prove_wrong = ("Data itu tidak cocok dengan laporan ini. Periksa lagi NIK almarhum/almarhumah atau nomor HP "
                      "ahli waris, atau ketik MENU.")
    st_report = "Laporan {reference} ({name}):\nStatus: {status}\nRiwayat:\n{history}"
    st_needs = "Yang perlu dilengkapi: {needs}\nKirim foto atau PDF-nya di sini, lalu ketik SELESAI."
    st_needs_unsaid = ("Petugas meminta laporan ini dilengkapi. Kirim foto atau PDF dokumen yang belum ada di sini, "
                       "lalu ketik SELESAI. Jika belum jelas apa yang kurang, tanyakan ke kantor desa/kelurahan Anda.")
    st_doc_received = "Diterima ({count} file). Kirim lagi jika masih ada, atau ketik SELESAI."
    st_doc_retry = "Kirim foto atau PDF kekurangannya, atau ketik SELESAI jika sudah semua."
    st_resubmitted = "Terima kasih, kekurangan sudah kami teruskan ke petugas. Kami kabari perkembangannya."
    st_no_docs = "Belum ada file yang diterima. Kirim foto atau PDF-nya dulu, atau ketik MENU."
    done_words = ("selesai", "sudah", "cukup", "done")
