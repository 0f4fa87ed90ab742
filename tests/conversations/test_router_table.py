"""Table-driven tests for the Layanan OKI intent router.

Each case is a message a citizen of Kabupaten Ogan Komering Ilir could plausibly type on
WhatsApp/Telegram (typos, slang, abbreviations, mixed case, extra punctuation, "pak"/"bu"/"min"/"kak"),
paired with the intent a human reader would pick without hesitation, or None for text that should
not match any intent confidently.
"""

from collections import Counter

import pytest

from conversations.router import match_intent

INTENTS = (
    "menu",
    "cek_bpjs",
    "lapor_kematian",
    "status_laporan",
    "pengumuman",
    "langganan",
    "berhenti_langganan",
    "bantuan",
    "petugas",
)

CASES: list[tuple[str, str | None]] = [
    # --- menu: greetings and asking for the list of services ---
    ("halo", "menu"),
    ("Assalamualaikum", "menu"),
    ("assalamualaikum wr wb", "menu"),
    ("pagi min", "menu"),
    ("selamat siang pak", "menu"),
    ("slmt pagi bu", "menu"),
    ("hai kak", "menu"),
    ("menu", "menu"),
    ("MENU!!", "menu"),
    ("lihat menu layanan", "menu"),
    ("ada layanan apa aja min?", "menu"),
    # --- cek_bpjs: BPJS Ketenagakerjaan coverage / membership ---
    ("cek bpjs", "cek_bpjs"),
    ("apakah sy terdaftar bpjs ketenagakerjaan", "cek_bpjs"),
    ("kepesertaan bpjs tk", "cek_bpjs"),
    ("sy sdh dpt bpjs blm", "cek_bpjs"),
    ("CEK BPJS TK", "cek_bpjs"),
    ("cek bpsj tk sy min", "cek_bpjs"),
    ("min mau cek kepesertaan bpjs ketenagakerjaan sy", "cek_bpjs"),
    ("apa sy sdh trdaftar jd peserta bpjs ketenagakerjan?", "cek_bpjs"),
    ("nik sy terdaftar bpjs tk gk pak?", "cek_bpjs"),
    ("bpjs ketenagakerjaan sy msh aktif gk ya", "cek_bpjs"),
    # --- lapor_kematian: reporting a death / santunan kematian ---
    ("sy mau lapor ada yg meninggal", "lapor_kematian"),
    ("bapak sy wafat", "lapor_kematian"),
    ("santunan kematian", "lapor_kematian"),
    ("klaim uang duka", "lapor_kematian"),
    ("lapor kematian", "lapor_kematian"),
    ("mau ajukan santunan kematin", "lapor_kematian"),
    ("ibu sy meninggal dunia kemarin, mau urus santunan", "lapor_kematian"),
    ("suami sy meninggl min, mau klaim santunan", "lapor_kematian"),
    ("Innalillahi, ayah sy sdh berpulang pak. mau lapor", "lapor_kematian"),
    ("LAPOR ADA WARGA YG MENINGGAL", "lapor_kematian"),
    # --- status_laporan: status of a report already filed ---
    ("cek status laporan", "status_laporan"),
    ("laporan sy sdh sampai mana", "status_laporan"),
    ("nomor laporan OKI-2024-000123", "status_laporan"),
    ("gmn kabar pengajuan santunan sy", "status_laporan"),
    ("sttus laporan sy min", "status_laporan"),
    ("Cek Status Pengajuan", "status_laporan"),
    ("sdh diproses blm laporan sy?", "status_laporan"),
    ("laporan yg kmrn sy kirim udh sampe mn bu", "status_laporan"),
    ("status laporan kematian bapak sy gmn min", "status_laporan"),
    # --- pengumuman: reading the latest announcements / news ---
    ("pengumuman trbaru", "pengumuman"),
    ("ada info apa hari ini", "pengumuman"),
    ("berita terbaru dr pemkab", "pengumuman"),
    ("pengumumn terbaru", "pengumuman"),
    ("PENGUMUMAN", "pengumuman"),
    ("lihat pengumuman", "pengumuman"),
    ("info terkini kab oki apa min?", "pengumuman"),
    ("ada pengumuman baru gk kak", "pengumuman"),
    ("kabar terbaru dari pemda oki apa ya", "pengumuman"),
    # --- langganan: subscribing to announcements ---
    ("sy mau langganan pengumuman", "langganan"),
    ("daftar info", "langganan"),
    ("ikut berlangganan berita", "langganan"),
    ("kirimi sy pengumuman", "langganan"),
    ("langgnan info dong min", "langganan"),
    ("mau brlangganan berita pemkab", "langganan"),
    ("subscribe", "langganan"),
    ("LANGGANAN", "langganan"),
    ("kirimkan sy info tiap ada pengumuman baru ya pak", "langganan"),
    # --- berhenti_langganan: unsubscribing ---
    ("berhenti langganan", "berhenti_langganan"),
    ("jgn kirim pengumuman lg", "berhenti_langganan"),
    ("unsubscribe", "berhenti_langganan"),
    ("sy tdk mau terima info lagi", "berhenti_langganan"),
    ("stop langganan", "berhenti_langganan"),
    ("brhenti langgnan min", "berhenti_langganan"),
    ("batal berlangganan", "berhenti_langganan"),
    ("Berhenti Langganan!!", "berhenti_langganan"),
    ("gk usah kirim info lg kak", "berhenti_langganan"),
    # --- bantuan: help / how to use ---
    ("bantuan", "bantuan"),
    ("tolong bingung cara pakainya", "bantuan"),
    ("help", "bantuan"),
    ("HELP!!", "bantuan"),
    ("bntuan", "bantuan"),
    ("bantuan dong min", "bantuan"),
    ("sy bingung gmn cara pake bot ini", "bantuan"),
    # --- petugas: a person, in the citizen's own words (Indonesian, slang, Palembang Malay) ---
    ("petugas", "petugas"),
    ("Orang tua", None),  # a relationship typed at the wrong step, not a request for a person
    ("orang tua saya", None),
    ("hubungi petugas", "petugas"),
    ("mau ngomong sm petugas langsung", "petugas"),
    ("no hp petugas brp min?", "petugas"),
    ("saya mau bicara dengan petugas", "petugas"),
    ("sy pgn chat sm operator", "petugas"),
    ("bisa bicara dengan orang aja?", "petugas"),
    ("galak bicaro samo petugas", "petugas"),
    ("nak ngomong samo wong kantor", "petugas"),
    ("tolong sambungkan ke cs", "petugas"),
    ("minta nomor telpon pegawai dinsos", "petugas"),
    ("ptgs mana ya", "petugas"),
    # --- None: gibberish or unrelated text ---
    ("asdfgh", None),
    ("qwertyuiop", None),
    ("12345678", None),
    ("😀😀", None),
    ("?", None),
    ("harga cabai naik lagi", None),
    ("jadwal bola malam ini jam brp", None),
]


@pytest.mark.parametrize("text,intent", CASES)
def test_router_understands(text, intent):
    assert match_intent(text) == intent


def test_table_is_large_and_covers_every_intent():
    assert len(CASES) >= 60
    counts = Counter(intent for _, intent in CASES)
    assert set(counts) - {None} <= set(INTENTS), "unknown intent name in CASES"
    for name in INTENTS:
        assert counts[name] >= 7, f"intent {name!r} has only {counts[name]} cases"
    texts = [text for text, _ in CASES]
    assert len(texts) == len(set(texts)), "duplicate utterance in CASES"
