"""A synthetic BPJS TK coverage list in the import format (CONTRACT.md, "Coverage list"), for demos,
load tests and the import's own tests. Every person is made up, but looks like a row of a real list:

- a NIK that `stdnum.id.nik` accepts: 16 02 <kecamatan code> <DDMMYY, day + 40 for women> <serial from
  0001, counted per prefix, so NIKs never repeat>; `tanggal_lahir` is the NIK's date; ages 18-70 on
  the coverage start (1 January 2025);
- a name of two or three words in capitals, from first and second names common in South Sumatra
  (Malay/Palembang and Komering Muslim names, Javanese names of the transmigration areas), male or
  female as the NIK says;
- a real desa/kelurahan inside its real kecamatan (services/data/oki_wilayah.csv), so kecamatan weigh
  by their number of villages;
- the category in the proportions OKI reported for 2025 (DOMAIN-RESEARCH.md 1.1), JKK + JKM, an
  11-digit KPJ that never repeats, and about 5% `nonaktif`.

The same seed gives the same rows.
"""
from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from datetime import date
from itertools import accumulate

from services.wilayah import load_wilayah

__all__ = ["COLUMNS", "FEMALE_FIRST", "FEMALE_SECOND", "MALE_FIRST", "MALE_SECOND", "registry_rows"]

COLUMNS = ("nik", "nama", "tanggal_lahir", "kpj", "kategori", "program", "kecamatan", "desa", "mulai", "akhir",
           "status")

MALE_FIRST = tuple("""
    AHMAD MUHAMMAD BUDI AGUS ANDI HENDRA DEDI RUDI JOKO EKO BAMBANG SLAMET SUPARMAN SUHARTO HERMAN DARMAWAN
    ISKANDAR ZULKIFLI ZAINAL SYAIFUL SAMSUL ROSIDI MARZUKI AZHARI HASAN HUSIN ABDUL ARIF RIZKI FAUZI YUSUF
    ILHAM IRWAN JUNAIDI SOPIAN SUPRIADI SUDIRMAN SARNUBI JUMADI HERLI ALI USMAN UMAR IBRAHIM ISMAIL HAMDAN
    HARUN NASRUL KHAIRUL FIRDAUS RAHMAT SUKARDI SUGIANTO WAHYU ARI DONI FERI HENDRI YANTO ROBI ADI TAUFIK
    SURYADI SUHENDRA MULYADI ROMLI MAHMUD MUKSIN SAMSUDIN NAWAWI AMRULLAH ZAKARIA IDRIS YAHYA DAUD SULAIMAN
    SYAHRIAL DAHLAN MUSLIM BAHRUL HAMZAH RUSLAN ANWAR ASNAWI SAPRIADI SUPARDI PONIMAN SARIPUDIN NURDIN
    RIDWAN FADLI REZA FAJAR BAYU DIMAS KEMAL AMRI HERI
""".split())
MALE_SECOND = tuple("""
    SAPUTRA PRATAMA SANTOSO SETIAWAN HIDAYAT KURNIAWAN GUNAWAN WIBOWO SUSANTO PURNOMO HARTONO NUGROHO
    PRASETYO FIRMANSYAH RAMADHAN HAKIM EFENDI SYAHPUTRA ALAMSYAH MAULANA RAHMAN ANSORI MUSTOFA ARSYAD AZWAR
    BASRI DARUSMAN FIKRI HUSAINI JAMALUDIN KOSIM LUKMAN MANSUR NAZARUDIN RASYID SALEH TAMRIN WAHAB ZAINUDIN
    SUHERMAN SUPRIYADI WIJAYA HERMANTO SUSILO HARIYANTO SETIADI KUSNADI IRAWAN ARDIANSYAH HERMAWAN SUGIARTO
    WAHYUDI SUDARSONO BAHRI AMIN FAUZAN ASHARI ROZAK SOMAD MUCHTAR SUBAGIO JAYADI SUKIRMAN PRAYITNO SUMANTRI
    DARMADI HERYANTO YULIANTO SUYANTO ARIFIN MURSIDI ABIDIN HANAFI IDHAM BURHAN RUSDI MAHFUD SODIKIN WARDANA
    SANJAYA ADITYA FAHRUROZI SYAHRONI MUHAIMIN ZULKARNAIN AZHAR FADILLAH HASIBULLAH KADIR SYAHRIR
""".split())
FEMALE_FIRST = tuple("""
    SITI NUR SRI DEWI RINA YANTI ANI ENDANG LILIS NURUL PUTRI AYU RATNA FITRI DIAN EVA SUSI YULI TUTI
    MARYAM FATIMAH AISYAH KHADIJAH ZAINAB HALIMAH ROSMALA ROSMINI MASNI YUSNIDA ERNA ELI LENI MERI NOVI
    ROSITA SUKARTI TUMINAH PAINEM INDAH HERLINA YULIANA DESI WINDA INTAN MELATI NOVITA ASMA ROHANI
    JUNAIDAH MAIMUNAH HASNAH ZUBAIDAH NURAINI HARTINI SUMIATI KARTINI RUSMINI ASNAH ERLINA DELIMA ROSMAWATI
    WULAN MAYA FARIDA HAFSAH MASITOH NURHAYATI RAHMAWATI SURYANI SUMARNI MULYANI ROSDIANA LINDA NINA
    YUNITA SARIFAH UMI NENG RUKIAH SAMSIAH ZAHARA RITA SUSANTI MARLENA HERNI ELVI EMILIA SALMAH
""".split())
FEMALE_SECOND = tuple("""
    AMINAH ROHMAH LESTARI WAHYUNI RAHAYU HANDAYANI SUSANTI KURNIASIH WULANDARI PUSPITASARI NINGSIH HAYATI
    FITRIANI SARI YULIANTI MARLINA HERAWATI RAHMAWATI SETIAWATI NURHAYATI KURNIAWATI PERMATASARI ANGGRAINI
    OKTAVIANI SAFITRI RAMADHANI MAHARANI APRILIA AGUSTINA NOVITASARI PRATIWI PUSPITA UTAMI ASTUTI SUMARNI
    SUSILAWATI MULYANI SURYANI HASANAH FAUZIAH MASITOH ZULAIKHA ROSMIATI JUNAIDAH MARYATI SUPRIYATI
    SUNARSIH WIDYASTUTI INDRIANI DAMAYANTI KARTIKA MELIANA HARTATI SULASTRI SURYATI ROSLINA ERNAWATI
    SUHARTINI YUSNIAR NURLAILA NURJANAH ZAHRA SAFIRA AULIA AZIZAH ROHAYATI MAISAROH KHOIRIYAH SOLEHA
    MUNAWAROH HALIMAH FATIMAH AISYAH KHADIJAH ZAINAB MAIMUNAH SALAMAH AGUSTINI FEBRIANTI OCTAVIA SETIANINGSIH
    PURNAMASARI SUGIARTI WAHYUNINGSIH RAHMADANI NOVIANTI YUNIARTI HIDAYATI KHASANAH MARDIANA
""".split())

# (category, people covered in OKI by August 2025, share of women). Pekerja rentan is the rest of
# the 119,940 (DOMAIN-RESEARCH.md 1.1); the shares of women are guesses: kader posyandu and PKK are
# mostly women, RT/RW heads mostly men.
_KATEGORI = (
    ("pekerja rentan", 75_447, 0.45),
    ("kelembagaan desa", 29_161, 0.60),
    ("perangkat desa", 5_302, 0.25),
    ("RT/RW", 5_232, 0.10),
    ("non-ASN", 4_798, 0.50),
)
_KATEGORI_CUM = tuple(accumulate(n for _, n, _ in _KATEGORI))
_AS_OF = date(2025, 1, 1)  # coverage start; ages 18-70 on this day
_BORN_FROM = date(_AS_OF.year - 71, _AS_OF.month, _AS_OF.day).toordinal() + 1
_BORN_TO = date(_AS_OF.year - 18, _AS_OF.month, _AS_OF.day).toordinal()
_THREE_WORDS = 0.35
_AKHIR = (("2025-12-31", 0.35), ("2026-12-31", 0.65))
_NONAKTIF = 0.05
_KPJ_PREFIXES = ("21", "22", "23", "24", "25")
_KPJ_STEP = 3**18  # coprime with 10**9, so row i gets a 9-digit tail no other row has


def _name(rng: random.Random, female: bool) -> str:
    first, second = (FEMALE_FIRST, FEMALE_SECOND) if female else (MALE_FIRST, MALE_SECOND)
    words = [rng.choice(first)]
    if rng.random() < _THREE_WORDS:
        middle = rng.choice(first)
        if middle != words[0]:
            words.append(middle)
    last = rng.choice(second)
    while last in words:
        last = rng.choice(second)
    words.append(last)
    return " ".join(words)


def registry_rows(*, count: int, seed: int) -> Iterator[dict[str, str]]:
    """`count` rows with the columns in `COLUMNS`, the same for the same `seed`."""
    if count > 10**9:
        raise ValueError("count: at most 10^9 rows")
    rng = random.Random(seed)
    wilayah = load_wilayah()
    villages = tuple(wilayah.villages)
    kecamatan = {k.code: k for k in wilayah.kecamatan}
    serials: dict[str, int] = {}
    kpj_offset = rng.randrange(10**9)
    total = _KATEGORI_CUM[-1]
    for i in range(count):
        village = rng.choice(villages)
        kec = kecamatan[village.parent_code]
        kategori, _, female_share = _KATEGORI[bisect(_KATEGORI_CUM, rng.random() * total)]
        female = rng.random() < female_share
        born = date.fromordinal(rng.randint(_BORN_FROM, _BORN_TO))
        prefix = f"1602{kec.code[-2:]}{born.day + 40 * female:02d}{born.month:02d}{born.year % 100:02d}"
        serial = serials.get(prefix, 0) + 1
        if serial > 9999:
            raise ValueError(f"more than 9999 people share the NIK prefix {prefix}")
        serials[prefix] = serial
        yield {
            "nik": f"{prefix}{serial:04d}",
            "nama": _name(rng, female),
            "tanggal_lahir": born.isoformat(),
            "kpj": f"{rng.choice(_KPJ_PREFIXES)}{(kpj_offset + i * _KPJ_STEP) % 10**9:09d}",
            "kategori": kategori,
            "program": "JKK,JKM",
            "kecamatan": kec.name,
            "desa": village.name,
            "mulai": _AS_OF.isoformat(),
            "akhir": _AKHIR[0][0] if rng.random() < _AKHIR[0][1] else _AKHIR[1][0],
            "status": "nonaktif" if rng.random() < _NONAKTIF else "aktif",
        }
