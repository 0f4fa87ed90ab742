"""User-facing strings of the reach work (issue 18), in Bahasa Indonesia: WhatsApp button titles,
answers to message kinds we cannot read, stale buttons, the web chat's upload and the front door.
Part of the catalogue (conversations/messages_id.py `MSG` inherits them)."""
from __future__ import annotations

__all__ = ["ReachTexts"]


class ReachTexts:
    # --- WhatsApp buttons: a title that fits (quick-reply 20, list item 24 characters) for each
    # label that does not; a label missing here that is too long goes as the numbered text ---
    wa_titles = {
        "Cek kepesertaan BPJS Ketenagakerjaan": "Cek BPJS TK",
        "Lapor kematian (santunan)": "Lapor kematian",
        "Bicara dengan petugas": "Bicara petugas",
        "Tidak, tetap dengan petugas": "Tetap dengan petugas",
        "Akta/surat kematian": "Akta kematian",
    }
    wa_list_button = "Lihat pilihan"

    # --- a choice from an earlier question (an old button pressed again) ---
    choice_stale = "Maaf, pilihan itu sudah tidak berlaku. Jawab pertanyaan terakhir di bawah ini:"

    # --- message kinds we cannot read: what to send instead, then the question again ---
    kind_voice = "Maaf, pesan suara belum bisa kami dengarkan. Mohon ketik jawabannya."
    kind_sticker = "Terima kasih stikernya! Tapi kami perlu jawaban berupa tulisan."
    kind_contact = "Kartu kontak belum bisa kami baca. Mohon ketik jawabannya, misalnya nomor HP-nya."
    kind_video = "Maaf, video belum bisa kami terima. Kirim foto (JPG atau PNG) atau PDF, atau ketik jawabannya."
    kind_location = ("Terima kasih, lokasi Anda sudah kami terima. Namun kami belum bisa menentukan desa dari "
                     "titik lokasi, jadi mohon ketik nama kecamatan atau desanya.")
    kind_other = "Maaf, pesan jenis itu belum bisa kami baca. Mohon ketik jawabannya."
    kind_prompt = "{said}\n\n{prompt}"

    # --- the web chat's upload ---
    upload_no_file = "Tidak ada file yang terkirim. Pilih foto atau PDF lalu kirim lagi."

    # --- the front door, GET / ---
    landing_whatsapp = "Chat lewat WhatsApp"
    landing_telegram = "Chat lewat Telegram"
    landing_web = "Chat di browser (tanpa aplikasi)"
    landing_qr_title = "Kode QR untuk membuka WhatsApp Layanan OKI"
    landing_qr_caption = "Pindai dengan kamera HP untuk membuka chat WhatsApp."
    landing_services = (
        ("Cek kepesertaan BPJS Ketenagakerjaan", "apakah pekerja rentan di OKI terdaftar sebagai peserta."),
        ("Lapor kematian (santunan)", "ajukan santunan kematian untuk ahli waris, lengkap dengan dokumennya."),
        ("Cek status laporan", "lihat perkembangan laporan dengan nomor laporan Anda."),
    )
    landing_page = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Layanan OKI: layanan warga Kabupaten Ogan Komering Ilir</title>
<link rel="stylesheet" href="/static/landing.css"></head>
<body><main>
<h1>Layanan OKI</h1>
<p>Layanan warga Pemerintah Kabupaten Ogan Komering Ilir lewat chat: gratis, kapan saja, tanpa antre.</p>
<h2>Layanan</h2>
<ul>{services}</ul>
<h2>Mulai chat</h2>
<ul class="channels">{channels}</ul>
<p><a class="cta" href="/chat">Mulai chat sekarang</a></p>
<h2>Pengumuman</h2>
<p><a href="/pengumuman">Arsip pengumuman Pemkab OKI</a> · <a href="/pengumuman/feed.xml">Feed (Atom)</a></p>
</main>
<footer><p>Untuk staf Dinas Sosial, kecamatan dan desa: <a href="/admin">masuk ke halaman staf</a>.</p></footer>
</body></html>"""

    # --- "simpan percakapan ini": a short code to go on with the web chat on another device ---
    handoff_code = ("Kode percakapan Anda: *{code}*\nDi HP atau komputer lain, buka halaman chat Layanan OKI lalu "
                    "ketik LANJUT {code} dalam {minutes} menit. Kode hanya bisa dipakai sekali; jangan berikan kepada "
                    "orang lain, karena kode ini membuka percakapan Anda.")
    handoff_nothing = "Belum ada percakapan yang bisa disimpan. Pilih layanan dulu, lalu ketik SIMPAN PERCAKAPAN."
    handoff_done = ("Percakapan Anda dilanjutkan di sini. Ketik MENU untuk melihat layanan, atau jawab pertanyaan "
                    "terakhir.")
    handoff_bad = ("Kode itu tidak berlaku (salah ketik, sudah dipakai, atau lewat {minutes} menit). Di perangkat "
                   "lama, ketik SIMPAN PERCAKAPAN untuk kode baru.")
