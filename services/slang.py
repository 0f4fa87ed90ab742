"""The words people type for other words: chat abbreviations, misspellings and Palembang Malay,
mapped to standard Indonesian. One table, read by the intent matcher (conversations/text.py
`words`) and by the knowledge base's retrieval (services/retrieval.py), so both understand
"brp", "gmn", "apo" and "dak" the same way."""
from __future__ import annotations

__all__ = ["ABBREVIATIONS", "JOINED", "PHRASES", "standard_words"]

# one word -> its standard form (possibly two words: "knp" -> "kenapa")
ABBREVIATIONS = {
    "sy": "saya", "sya": "saya", "aq": "aku", "yg": "yang", "dgn": "dengan", "utk": "untuk",
    "dr": "dari", "sdh": "sudah", "udh": "sudah", "udah": "sudah", "blm": "belum", "blum": "belum",
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "enggak": "tidak",
    "tdk": "tidak", "tak": "tidak", "jgn": "jangan", "lg": "lagi", "gmn": "bagaimana",
    "gimana": "bagaimana", "gmna": "bagaimana", "bgmn": "bagaimana", "brp": "berapa", "brapa": "berapa",
    "kmrn": "kemarin", "mn": "mana", "dmn": "dimana", "knp": "kenapa", "kpn": "kapan", "sp": "siapa",
    "sampe": "sampai", "smp": "sampai", "sm": "sama", "pake": "pakai", "msh": "masih", "dpt": "dapat",
    "jd": "jadi", "trbaru": "terbaru", "trdaftar": "terdaftar", "slmt": "selamat", "mlm": "malam",
    "mo": "mau", "pengen": "mau", "pgn": "mau", "ingin": "mau", "no": "nomor", "nmr": "nomor",
    "bpsj": "bpjs", "bpj": "bpjs", "tk": "ketenagakerjaan", "naker": "ketenagakerjaan",
    "ass": "assalamualaikum", "askum": "assalamualaikum", "assalamu'alaikum": "assalamualaikum",
    "kec": "kecamatan", "kab": "kabupaten", "info2": "info", "infonya": "info",
    "bs": "bisa", "bsa": "bisa", "bkn": "bukan", "krn": "karena", "tp": "tapi", "klo": "kalau",
    "kalo": "kalau", "kl": "kalau", "dll": "lain", "skrg": "sekarang", "org": "orang", "ortu": "orangtua",
    "bapa": "bapak", "bpk": "bapak", "ibuk": "ibu", "emak": "ibu", "uangnya": "uang", "duit": "uang",
    "syarat2": "syarat", "brkas": "berkas", "dokumen2": "dokumen", "hp": "ponsel", "wa": "whatsapp",
    # Palembang Malay and chat slang
    "galak": "mau", "nak": "mau", "bicaro": "bicara", "samo": "sama", "wong": "orang", "omong": "ngomong",
    "telpon": "telepon", "tlp": "telepon", "telp": "telepon", "ptgs": "petugas", "staff": "staf",
    "apo": "apa", "apokah": "apakah", "berapo": "berapa", "ngapo": "mengapa", "ngapa": "mengapa",
    "kenapo": "kenapa", "siapo": "siapa", "mano": "mana", "dimano": "dimana", "kemano": "kemana",
    "dak": "tidak", "idak": "tidak", "ndak": "tidak", "nda": "tidak", "kagak": "tidak", "pacak": "bisa",
    "biso": "bisa", "lemak": "enak", "cakmano": "bagaimana", "cak mano": "bagaimana", "kapan": "kapan",
    "lah": "sudah", "la": "sudah", "lum": "belum", "belum": "belum", "galo": "semua", "nian": "sekali",
    "aku": "saya", "kami": "kami", "dio": "dia", "duo": "dua", "tigo": "tiga", "limo": "lima",
    "samo-samo": "sama", "mak": "ibu", "bak": "bapak", "dulur": "saudara", "bae": "saja", "aja": "saja",
    "jg": "juga", "dapet": "dapat", "dpet": "dapat", "bener": "benar", "liat": "lihat", "ngeliat": "lihat",
    "ngecek": "cek", "cekin": "cek", "ngurus": "urus", "ngurusnya": "urus", "disiapin": "disiapkan",
    "ngajuin": "ajukan", "diajuin": "diajukan", "nyairin": "cairkan", "cairin": "cairkan", "ngelaporin": "laporkan",
    "ngusulin": "usulkan", "dipake": "dipakai", "akte": "akta", "capil": "disdukcapil", "dukcapil": "disdukcapil",
    "telat": "terlambat", "tu": "itu", "nyusul": "menyusul", "dikasih": "diberi", "didaftarin": "didaftarkan",
    "dibutuhin": "dibutuhkan", "dikirimin": "dikirimi", "kirimin": "kirimi", "bikinnya": "buat",
    "gaji": "upah", "ktpnya": "ktp", "rekeningnya": "rekening",
}

# abbreviations written together, split before anything else: "bpjstk" -> "bpjs ketenagakerjaan"
JOINED = {
    "bpjstk": "bpjs ketenagakerjaan", "bpjsketenagakerjaan": "bpjs ketenagakerjaan",
    "bpjsnaker": "bpjs ketenagakerjaan", "jkkjkm": "jkk jkm", "jkmjkk": "jkm jkk",
    "santunankematian": "santunan kematian", "aktakematian": "akta kematian", "kartukeluarga": "kartu keluarga",
    "ahliwaris": "ahli waris", "jamkem": "jaminan kematian", "lapakasik": "lapak asik",
    "cekbpjs": "cek bpjs", "laporkematian": "lapor kematian", "gimanacaranya": "bagaimana cara",
    "gmncaranya": "bagaimana cara", "brpsantunan": "berapa santunan", "cakmano": "bagaimana",
}

# two words that stand for one: Palembang "cak mano" (how)
PHRASES = {("cak", "mano"): "bagaimana", ("cak", "mana"): "bagaimana", ("macam", "mana"): "bagaimana"}


def standard_words(words: list[str]) -> list[str]:
    """Lower-case words (already folded) in their standard form: joined abbreviations split, slang
    and abbreviations expanded, two-word phrases joined, a trailing -nya dropped from long words."""
    out: list[str] = []
    for typed in words:
        for w in JOINED.get(typed, typed).split():
            w = ABBREVIATIONS.get(w, w)
            if len(w) > 6 and w.endswith("nya"):
                w = w[:-3]
            out.extend(w.split())
    i, joined = 0, []
    while i < len(out):
        if (pair := tuple(out[i:i + 2])) in PHRASES:
            joined.append(PHRASES[pair])
            i += 2
        else:
            joined.append(out[i])
            i += 1
    return joined
