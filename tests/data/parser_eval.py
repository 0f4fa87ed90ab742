"""The parser evaluation table (issue 17): answers written the way citizens type them in WhatsApp,
Telegram and the web chat, each with the value its parser must give or "refused". A value for a
deferral ("nanti", "besok saya kirim") is never right anywhere but in DEFERRALS.

`evaluate()` runs every table and gives the share right per parser; tests/conversations/
test_parser_eval.py requires at least 97% each, and bench/parsers.py prints the table for
docs/benchmarks.md. Dates are read as of TODAY, a Wednesday."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from conversations.fields import parse_bank, parse_name, parse_relationship
from conversations.parsing import is_later, parse_date, parse_phone
from services.wilayah import load_wilayah

__all__ = ["TODAY", "TABLES", "Score", "evaluate", "rows"]

TODAY = date(2026, 12, 2)  # Wednesday 2 December 2026

NAMES = """
Rahmawati | Rahmawati
nama saya Rahmawati | Rahmawati
Nama saya Siti Aminah | Siti Aminah
nama sy Budi Santoso | Budi Santoso
sy Budi Santoso | Budi Santoso
saya Rahmawati | Rahmawati
Saya bernama Dedi Kurniawan | Dedi Kurniawan
namanya Ahmad Sanusi | Ahmad Sanusi
Nama: Ahmad Sanusi | Ahmad Sanusi
nama almarhum Ahmad Sanusi | Ahmad Sanusi
nama almarhum: Ahmad Sanusi | Ahmad Sanusi
almarhum Ahmad Sanusi | Ahmad Sanusi
Almarhum Bapak Ahmad Sanusi | Bapak Ahmad Sanusi
alm. Ahmad Sanusi | Ahmad Sanusi
Alm Ahmad Sanusi | Ahmad Sanusi
almh. Siti Khodijah | Siti Khodijah
Almh Siti Khodijah | Siti Khodijah
almarhumah Siti Khodijah | Siti Khodijah
Almarhumah Hj. Siti Khodijah | Hj. Siti Khodijah
almrh Sukardi | Sukardi
mendiang Sukardi | Sukardi
AHMAD SANUSI | AHMAD SANUSI
ahmad sanusi | ahmad sanusi
Ahmad  Sanusi | Ahmad Sanusi
 Ahmad Sanusi. | Ahmad Sanusi
M. Yusuf | M. Yusuf
Muhammad Yusuf bin Abdullah | Muhammad Yusuf bin Abdullah
Siti Nurhaliza binti Ahmad | Siti Nurhaliza binti Ahmad
Hj. Siti Aminah | Hj. Siti Aminah
H. Abdul Rahman | H. Abdul Rahman
Drs. H. Sukarno, M.Si | Drs. H. Sukarno, M.Si
Rina Marlina, S.Pd | Rina Marlina, S.Pd
Ma'ruf | Ma'ruf
Nur'aini | Nur'aini
Ani-Suryani | Ani-Suryani
Kemas Abdul Hamid | Kemas Abdul Hamid
Kgs. M. Ali | Kgs. M. Ali
Nyimas Ratu | Nyimas Ratu
Raden Ayu Lestari | Raden Ayu Lestari
Wayan Sudarta | Wayan Sudarta
Ni Made Sari | Ni Made Sari
Sri | Sri
Ida | Ida
Ujang | Ujang
Darmawan | Darmawan
Suparman | Suparman
Legiman | Legiman
Poniyem | Poniyem
Tukijo Hadi | Tukijo Hadi
Mbok Sarinah | Mbok Sarinah
Ibu Rahmawati | Ibu Rahmawati
Pak Darsono | Pak Darsono
Rahmawati binti Sulaiman | Rahmawati binti Sulaiman
Nama lengkap: Yuliana Sari | Yuliana Sari
nama lengkapnya Yuliana Sari | Yuliana Sari
atas nama Rahmawati | Rahmawati
a.n. Rahmawati | Rahmawati
an. Rahmawati | Rahmawati
a.n Rahmawati | Rahmawati
Nama ahli waris Rahmawati | Rahmawati
Saya adalah Rahmawati | Rahmawati
Rahmawati! | Rahmawati
"Rahmawati" | Rahmawati
Ahmad Sanusi bin Umar | Ahmad Sanusi bin Umar
Zainal Abidin | Zainal Abidin
Fitriyani | Fitriyani
Sumarni | Sumarni
Ahmad Fauzi Rahman | Ahmad Fauzi Rahman
Dewi | Dewi
Agus Salim | Agus Salim
Anwar | Anwar
Marlina | Marlina
Muhammad Rizky Pratama | Muhammad Rizky Pratama
Nyayu Fatimah | Nyayu Fatimah
Masagus Hasan | Masagus Hasan
Abdul Gani | Abdul Gani
Siti | Siti
Aminah | Aminah
nanti | refused
nanti saja | refused
ntar | refused
nanti aja pak | refused
besok saya kirim | refused
menyusul | refused
belum ada | refused
lewati | refused
skip | refused
setelah jadi | refused
A | refused
a. | refused
B | refused
12345 | refused
Ahmad 2 | refused
1602015708850003 | refused
0812 3456 7890 | refused
Rahmawati 081234567890 | refused
ya | refused
iya | refused
tidak | refused
ok | refused
tidak tahu | refused
gak tau | refused
lupa | refused
saya | refused
??? | refused
... | refused
🙏 | refused
- | refused
"""

PHONES = """
081234567890 | +6281234567890
0812-3456-7890 | +6281234567890
0812 3456 7890 | +6281234567890
0812.3456.7890 | +6281234567890
+6281234567890 | +6281234567890
+62 812 3456 7890 | +6281234567890
+62-812-3456-7890 | +6281234567890
6281234567890 | +6281234567890
62 812 3456 7890 | +6281234567890
0062812345678 90 | +6281234567890
81234567890 | +6281234567890
(0812) 3456 7890 | +6281234567890
+62 (812) 3456-7890 | +6281234567890
+62 0812 3456 7890 | +6281234567890
hp 0812-3456-7890 | +6281234567890
no hp 081234567890 | +6281234567890
no wa saya 0812 3456 7890 | +6281234567890
nomor HP: 0812 3456 7890 | +6281234567890
wa 081234567890 | +6281234567890
WA: +62 812-3456-7890 | +6281234567890
ini nomornya 081234567890 | +6281234567890
081234567890 pak | +6281234567890
nomer hp sy 081234567890 | +6281234567890
hp ahli waris 0813 1111 2222 | +6281311112222
081311112222 | +6281311112222
0813-1111-2222 | +6281311112222
085212345678 | +6285212345678
0852 1234 5678 | +6285212345678
085367891234 | +6285367891234
0821 7777 8888 | +6282177778888
082277778888 | +6282277778888
0823 1234 5678 | +6282312345678
081112345678 | +6281112345678
0811 7123 456 | +628117123456
08117123456 | +628117123456
0815 1234 5678 | +6281512345678
0816 1234 567 | +628161234567
081712345678 | +6281712345678
0818 1234 5678 | +6281812345678
0819 1234 5678 | +6281912345678
0859 1234 5678 | +6285912345678
0877 1234 5678 | +6287712345678
087812345678 | +6287812345678
0831 1234 5678 | +6283112345678
0838 1234 5678 | +6283812345678
0895 1234 5678 | +6289512345678
089612345678 | +6289612345678
0896-1234-5678 | +6289612345678
0897 1234 5678 | +6289712345678
0898 1234 5678 | +6289812345678
0899 1234 5678 | +6289912345678
0881 1234 5678 | +6288112345678
0882 1234 5678 | +6288212345678
0851 1234 5678 | +6285112345678
0853 1234 5678 | +6285312345678
0855 1234 5678 | +6285512345678
0856 1234 5678 | +6285612345678
0857 1234 5678 | +6285712345678
0858 1234 5678 | +6285812345678
08123456789 | +628123456789
0812345678 | +62812345678
0812 345 678 | +62812345678
whatsapp:+6281234567890 | +6281234567890
tel:+6281234567890 | +6281234567890
+62 852-1234-5678 | +6285212345678
62-852-1234-5678 | +6285212345678
0852.1234.5678 | +6285212345678
nomor saya 0852 1234 5678 | +6285212345678
hp: 0852-1234-5678 | +6285212345678
telp 0852 1234 5678 | +6285212345678
+62 813 1111 2222 | +6281311112222
no. hp 0813-1111-2222 ya pak | +6281311112222
0812 3456 7890. | +6281234567890
0812-3456-789 | +628123456789
62812345678901 | +62812345678901
0812345678901 | +62812345678901
0711 123456 | refused
(0711) 312345 | refused
0712 321 456 | refused
021 5551234 | refused
0809 1234 5678 | refused
0800 123 4567 | refused
+65 9123 4567 | refused
+1 202 555 0100 | refused
+60 12 345 6789 | refused
0812 345 | refused
0812 | refused
08123 | refused
0812 3456 7890 1234 | refused
081234567890123 | refused
0812-3456-78AB | refused
O812 3456 7890 | refused
nomor hp | refused
nanti | refused
belum punya hp | refused
tidak ada | refused
1602015708850003 | refused
12345 | refused
0812 3456 7890 / 0813 1111 2222 | refused
 | refused
+62 | refused
0841 1234 5678 | refused
"""

DATES = """
17-08-2026 | 2026-08-17
17/08/2026 | 2026-08-17
17.08.2026 | 2026-08-17
17-8-2026 | 2026-08-17
17/8/26 | 2026-08-17
2026-08-17 | 2026-08-17
17 Agustus 2026 | 2026-08-17
17 agustus 2026 | 2026-08-17
17 agustus | 2026-08-17
17 agt | 2026-08-17
17 agt 2026 | 2026-08-17
17 ags 2026 | 2026-08-17
17 agust 26 | 2026-08-17
17 augustus 2026 | 2026-08-17
tgl 17 agustus | 2026-08-17
tanggal 17 agustus 2026 | 2026-08-17
meninggal tanggal 17 agustus 2026 | 2026-08-17
wafat 17 agustus 2026 | 2026-08-17
pada hari senin 17 agustus 2026 | 2026-08-17
agustus 17 2026 | 2026-08-17
5 nov 2026 | 2026-11-05
5 nop 2026 | 2026-11-05
5 nopember | 2026-11-05
5 november 2026 | 2026-11-05
5 novmber 2026 | 2026-11-05
30 okt | 2026-10-30
30 oktober 2026 | 2026-10-30
30 oct 2026 | 2026-10-30
1 des 2026 | 2026-12-01
1 desember | 2026-12-01
01/12/2026 | 2026-12-01
1-12-26 | 2026-12-01
12 sept 2026 | 2026-09-12
12 sep | 2026-09-12
12 september 2026 | 2026-09-12
3 mei 2026 | 2026-05-03
3 jan 2026 | 2026-01-03
3 januari 2026 | 2026-01-03
14 feb 2026 | 2026-02-14
14 pebruari 2026 | 2026-02-14
21 maret 2026 | 2026-03-21
21 mrt 2026 | 2026-03-21
9 april | 2026-04-09
9 apr 2026 | 2026-04-09
20 juni 2026 | 2026-06-20
20 jun 2026 | 2026-06-20
7 juli 2026 | 2026-07-07
7 jul | 2026-07-07
25 desember 2025 | 2025-12-25
hari ini | 2026-12-02
hr ini | 2026-12-02
tadi pagi | 2026-12-02
tadi siang | 2026-12-02
tadi subuh | 2026-12-02
tadi | 2026-12-02
barusan | 2026-12-02
hari ini jam 10 | 2026-12-02
tadi pagi jam 05.30 | 2026-12-02
kemarin | 2026-12-01
kemarin sore | 2026-12-01
kemarin malam | 2026-12-01
kemarin pagi | 2026-12-01
kmrn | 2026-12-01
kmrn sore | 2026-12-01
kemaren | 2026-12-01
kemarin jam 3 sore | 2026-12-01
kemarin pukul 14.00 | 2026-12-01
semalam | 2026-12-01
tadi malam | 2026-12-01
kemarin lusa | 2026-11-30
2 hari lalu | 2026-11-30
2 hari yang lalu | 2026-11-30
dua hari yang lalu | 2026-11-30
3 hari lalu | 2026-11-29
tiga hari yg lalu | 2026-11-29
5 hari lalu | 2026-11-27
senin | 2026-11-30
hari senin | 2026-11-30
senin kemarin | 2026-11-30
hari senin kemarin | 2026-11-30
selasa | 2026-12-01
selasa malam | 2026-12-01
rabu | 2026-12-02
rabu lalu | 2026-11-25
kamis lalu | 2026-11-26
kamis kemarin | 2026-11-26
jumat | 2026-11-27
jumat lalu | 2026-11-27
jum'at kemarin | 2026-11-27
hari jumat sore | 2026-11-27
sabtu | 2026-11-28
sabtu malam | 2026-11-28
hari minggu | 2026-11-29
minggu kemarin | 2026-11-29
ahad | 2026-11-29
tgl 3 | 2026-11-03
tanggal 1 | 2026-12-01
tgl 28 | 2026-11-28
tanggal 30 kemarin | 2026-11-30
tgl 2 | 2026-12-02
besok | refused
lusa | refused
25 desember 2026 | refused
31-02-2026 | refused
32 agustus | refused
30 februari | refused
tanggal 17 | 2026-11-17
nanti | refused
belum tahu | refused
minggu lalu | refused
bulan lalu | refused
17082026 | refused
abc | refused
 | refused
1602015708850003 | refused
17-08-1850 | refused
"""

# What the person answering is to the deceased ("ibu saya": the deceased is my mother, so "child").
RELATIONSHIPS = """
anak | child
Anak | child
anaknya | child
saya anaknya | child
sy anaknya | child
anak almarhum | child
anak almarhumah | child
anak kandung | child
anak kandungnya | child
anak laki-laki | child
anak perempuan | child
anak pertama | child
anak sulung | child
anak bungsu | child
putra | child
putri almarhum | child
saya putrinya | child
ank | child
anak angkat | child
ibu saya | child
ibu sy | child
ibuku | child
ibunda saya | child
mama saya | child
mamak saya | child
umak saya | child
emak saya | child
bapak saya | child
bapakku | child
bpk saya | child
ayah saya | child
ayahku | child
almarhum bapak saya | child
almarhumah ibu saya | child
yang meninggal ayah saya | child
dia ayah saya | child
beliau ibu saya | child
orang tua saya | child
ortu saya | child
abah saya | child
istri | spouse
istrinya | spouse
saya istrinya | spouse
istri almarhum | spouse
isteri | spouse
suami | spouse
suaminya | spouse
suami almarhumah | spouse
saya suaminya | spouse
suami saya | spouse
istri saya | spouse
istriku | spouse
suamiku | spouse
bini | spouse
saya jandanya | spouse
pasangan | spouse
swami | spouse
ibu | parent
ayah | parent
bapak | parent
bapaknya | parent
ibunya | parent
saya ibunya | parent
orang tua | parent
orangtua | parent
ortu | parent
anak saya | parent
anakku | parent
anak sy | parent
almarhum anak saya | parent
kakak | sibling
adik | sibling
adiknya | sibling
kakaknya | sibling
abang | sibling
saudara | sibling
saudara kandung | sibling
sodara | sibling
adik saya | sibling
kakak saya | sibling
ayuk | sibling
menantu | child_in_law
menantunya | child_in_law
saya menantunya | child_in_law
mantu | child_in_law
menatu | child_in_law
mertua saya | child_in_law
ibu mertua saya | child_in_law
bapak mertua saya | child_in_law
mertua | parent_in_law
mertuanya | parent_in_law
menantu saya | parent_in_law
ipar | sibling_in_law
kakak ipar | sibling_in_law
adik ipar saya | sibling_in_law
cucu | grandchild
cucunya | grandchild
saya cucunya | grandchild
cucu almarhum | grandchild
nenek saya | grandchild
kakek saya | grandchild
nenekku | grandchild
mbah saya | grandchild
nyai saya | grandchild
kakek | grandparent
nenek | grandparent
neneknya | grandparent
cucu saya | grandparent
keponakan | nephew
ponakan | nephew
paman saya | nephew
om saya | nephew
bibi saya | nephew
paman | uncle
bibi | uncle
keponakan saya | uncle
sepupu | cousin
tetangga | neighbour
kepala desa | official
kades | official
pak rt | official
perangkat desa | official
keluarga | other
kerabat | other
teman | other
lainnya | other
nanti | refused
nanti saja | refused
besok | refused
abc | refused
12345 | refused
Rahmawati | refused
ya | refused
??? | refused
 | refused
lewati | refused
gak tau | refused
tidak ada | refused
081234567890 | refused
siapa | refused
"""

# The bank's name as stored, with the account number when the message carries one.
BANKS = """
BRI | BRI
bri | BRI
Bank BRI | BRI
bank bri | BRI
BRI 1234567890 | BRI 1234567890
bri 123456789012345 | BRI 123456789012345
BRI 0123-01-012345-50-1 | BRI 012301012345501
bank bri norek 1234 5678 90 | BRI 1234567890
bank BRI no rek 1234567890 | BRI 1234567890
rek BRI 1234567890 | BRI 1234567890
norek bri 1234567890 | BRI 1234567890
BRI no. 1234567890 | BRI 1234567890
BRI nomor rekening 1234567890 | BRI 1234567890
bri, 1234567890 | BRI 1234567890
BRI: 1234567890 | BRI 1234567890
1234567890 BRI | BRI 1234567890
BRI 1234567890 a.n. Rahmawati | BRI 1234567890
Bank Rakyat Indonesia | BRI
bank rakyat | BRI
britama | BRI
simpedes | BRI
BRImo 1234567890 | BRI 1234567890
BNI | BNI
bni | BNI
Bank BNI | BNI
BNI 46 | BNI
bni 0123456789 | BNI 0123456789
BNI 46 0123456789 | BNI 0123456789
bank negara indonesia | BNI
taplus bni | BNI
Mandiri | Mandiri
mandiri | Mandiri
Bank Mandiri | Mandiri
bank mandiri 1234567890123 | Mandiri 1234567890123
mandiri no rek 123-00-1234567-8 | Mandiri 1230012345678
Mandri | Mandiri
mandirii | Mandiri
BCA | BCA
bca 1234567890 | BCA 1234567890
Bank Central Asia | BCA
BSI | BSI
bsi 7123456789 | BSI 7123456789
Bank Syariah Indonesia | BSI
BRI Syariah | BSI
BNI Syariah | BSI
Mandiri Syariah | BSI
BSM | BSI
BTN | BTN
btn 1234567890123456 | BTN 1234567890123456
Bank Tabungan Negara | BTN
Bank Sumsel Babel | Bank Sumsel Babel
bank sumsel babel | Bank Sumsel Babel
Bank Sumsel | Bank Sumsel Babel
sumsel babel | Bank Sumsel Babel
BSB | Bank Sumsel Babel
bank sumsel 1234567890 | Bank Sumsel Babel 1234567890
Bank Sumsel Babel Syariah | Bank Sumsel Babel
bpd sumsel | Bank Sumsel Babel
Muamalat | Muamalat
bank muamalat 1234567890 | Muamalat 1234567890
CIMB Niaga | CIMB Niaga
cimb | CIMB Niaga
Danamon | Danamon
Permata | Permata
BTPN | BTPN
Jenius | BTPN
Bank Mega | Bank Mega
OCBC NISP | OCBC
Panin | Panin
Maybank | Maybank
Bank Jago | Bank Jago
SeaBank | SeaBank
Bank Lampung | Bank Lampung
BJB | BJB
Bank DKI | Bank DKI
Bank Nagari | Bank Nagari
bank nagari 1234567890 | Bank Nagari 1234567890
ke rekening BRI 1234567890 | BRI 1234567890
pakai BRI | BRI
lewat bank bri aja | BRI
via BNI | BNI
rekening bri saya 1234567890 | BRI 1234567890
buku tabungan BRI | BRI
atm bri | BRI
BRI ya pak | BRI
BRI. | BRI
nanti | refused
nanti saja | refused
belum punya rekening | refused
besok saya kirim | refused
DANA | refused
dana 081234567890 | refused
OVO | refused
gopay | refused
Go Pay 081234567890 | refused
ShopeePay | refused
LinkAja | refused
BRI 123 | refused
BRI 12345 | refused
bri 123456789012345678901 | refused
1234567890 | refused
bank | refused
abc | refused
tidak tahu | refused
??? | refused
BRI 1234567890 / BNI 0123456789 | refused
"""

# A kecamatan as typed; "Kecamatan >> desa as typed" for a desa inside it. "choice": a short list
# to pick from is offered (two names are close), nothing is stored yet.
PLACES = """
Kayu Agung | Kayu Agung
kayu agung | Kayu Agung
kayuagung | Kayu Agung
KAYUAGUNG | Kayu Agung
kec kayu agung | Kayu Agung
kec. kayu agung | Kayu Agung
Kecamatan Kayu Agung | Kayu Agung
kayu agug | Kayu Agung
kayuagng | Kayu Agung
kayu-agung | Kayu Agung
Pedamaran | Pedamaran
pedamaran | Pedamaran
kec pedamaran | Pedamaran
pedamran | Pedamaran
Pedamaran Timur | Pedamaran Timur
pedamaran timur | Pedamaran Timur
pdmrn timur | Pedamaran Timur
Tanjung Lubuk | Tanjung Lubuk
tanjung lubuk | Tanjung Lubuk
tj lubuk | Tanjung Lubuk
tj. lubuk | Tanjung Lubuk
tanjunglubuk | Tanjung Lubuk
Mesuji | Mesuji
mesuji | Mesuji
Mesuji Makmur | Mesuji Makmur
mesuji makmur | Mesuji Makmur
Mesuji Raya | Mesuji Raya
mesuji raya | Mesuji Raya
Sirah Pulau Padang | Sirah Pulau Padang
sirah pulau padang | Sirah Pulau Padang
SP Padang | Sirah Pulau Padang
sp. padang | Sirah Pulau Padang
SPP | Sirah Pulau Padang
Tulung Selapan | Tulung Selapan
tulung selapan | Tulung Selapan
tl selapan | Tulung Selapan
tulungselapan | Tulung Selapan
Pampangan | Pampangan
pampangan | Pampangan
pampngan | Pampangan
Lempuing | Lempuing
lempuing | Lempuing
Lempuing Jaya | Lempuing Jaya
lempuing jaya | Lempuing Jaya
Air Sugihan | Air Sugihan
air sugihan | Air Sugihan
airsugihan | Air Sugihan
Sungai Menang | Sungai Menang
sungai menang | Sungai Menang
sei menang | Sungai Menang
sg menang | Sungai Menang
Jejawi | Jejawi
jejawi | Jejawi
Cengal | Cengal
cengal | Cengal
Pangkalan Lampam | Pangkalan Lampam
pangkalan lampam | Pangkalan Lampam
pkl lampam | Pangkalan Lampam
Teluk Gelam | Teluk Gelam
teluk gelam | Teluk Gelam
di kecamatan jejawi | Jejawi
kec cengal kab oki | Cengal
kecamatan kayu agung, oki | Kayu Agung
16.02.05 | Kayu Agung
Palembang | refused
Jakarta | refused
nanti | refused
abc | refused
123 | refused
Kayu Agung >> Sukadana | Sukadana
Kayu Agung >> sukadana | Sukadana
Kayu Agung >> desa sukadana | Sukadana
Kayu Agung >> ds sukadana | Sukadana
Kayu Agung >> kel. sukadana | Sukadana
Kayu Agung >> kelurahan sukadana | Sukadana
Kayu Agung >> sukadna | Sukadana
Kayu Agung >> suka dana | Sukadana
Kayu Agung >> Kedaton | Kedaton
Kayu Agung >> kel kedaton | Kedaton
Kayu Agung >> perigi | Perigi
Kayu Agung >> kutaraja | Kutaraja
Kayu Agung >> kuta raja | Kutaraja
Kayu Agung >> tanjung rancing | Tanjung Rancing
Kayu Agung >> tj rancing | Tanjung Rancing
Kayu Agung >> jua jua | Jua-jua
Kayu Agung >> jua-jua | Jua-jua
Kayu Agung >> mangun jaya | Mangun Jaya
Kayu Agung >> sidakersa | Sidakersa
Kayu Agung >> celikah | Celikah
Kayu Agung >> teloko | Teloko
Kayu Agung >> serigeni | Serigeni
Kayu Agung >> serigeni baru | Serigeni Baru
Kayu Agung >> serigeni bru | Serigeni Baru
Kayu Agung >> muara baru | Muarabaru
Kayu Agung >> lubuk dalam | Lubuk Dalam
Kayu Agung >> buluh cawang | Buluh Cawang
Kayu Agung >> anyar | Anyar
Kayu Agung >> banding anyar | Banding Anyar
Kayu Agung >> tanjung | choice
Kayu Agung >> pedamaran | refused
Pedamaran >> pedamaran 1 | Pedamaran I
Pedamaran >> pedamaran I | Pedamaran I
Pedamaran >> Pedamaran II | Pedamaran II
Pedamaran >> pedamaran 6 | Pedamaran VI
Pedamaran >> cinta jaya | Cinta Jaya
Pedamaran >> suka damai | Sukadamai
Pedamaran >> sukaraja | Sukaraja
Pedamaran >> serinanti | Serinanti
Pedamaran >> lebuh rarak | Lebuh Rarak
Pedamaran >> menang raya | Menang Raya
Pedamaran >> burnai timur | Burnai Timur
Pedamaran >> pedamaran | choice
Tanjung Lubuk >> ulak kapal | Ulak Kapal
Tanjung Lubuk >> tanjung baru | Tanjung Baru
Tanjung Lubuk >> pulau gemantung ilir | Pulau Gemantung Ilir
Tanjung Lubuk >> pulau gemantung | Pulau Gemantung
Tanjung Lubuk >> bumi agung | Bumiagung
Tanjung Lubuk >> kota bumi | Kotabumi
Tanjung Lubuk >> sukadana | refused
Bandung | refused
Lampung | refused
kecamatan | refused
menyusul | refused
? | refused
Kayu Agung >> jakarta | refused
Kayu Agung >> nanti | refused
"""

# A whole message that says "later" ("later"), or one that does not ("refused": it is an answer, a
# question or a refusal, never taken as a deferral).
DEFERRALS = """
nanti | later
Nanti | later
NANTI | later
nanti saja | later
nanti aja | later
nanti aj | later
nanti dulu | later
nanti ya | later
nanti ya pak | later
nanti deh | later
nnti | later
nti | later
ntar | later
ntar aja | later
entar | later
nanti saya kirim | later
nanti sy kirim | later
nanti dikirim | later
nanti saya kirim fotonya | later
nanti saya upload | later
menyusul | later
menyusul ya | later
nyusul | later
susul | later
menyusul saja | later
dokumen menyusul | later
berkas menyusul | later
lewati | later
lewati dulu | later
lewat | later
skip | later
skip dulu | later
besok | later
besok saya kirim | later
besok sy kirim | later
besok aja | later
besok ya pak | later
bsk saya kirim | later
lusa | later
lusa saya kirim | later
minggu depan | later
minggu depan saya kirim | later
belum ada | later
belum ada pak | later
blm ada | later
belum punya | later
blm punya | later
belum punya rekening | later
belum ada rekening | later
belum punya buku rekening | later
belum jadi | later
blm jadi | later
belum selesai | later
belum keluar | later
aktanya belum jadi | later
sktm nya blm jadi | later
surat kematian belum keluar | later
setelah jadi | later
setelah jadi saya kirim | later
kalau sudah jadi saya kirim | later
kalau sudah ada | later
klo udah jadi | later
sesudah selesai | later
masih diurus | later
masih diurus di desa | later
masih diproses | later
masih proses di dukcapil | later
masih dibuat di kantor desa | later
tunggu dulu | later
nunggu dari desa | later
nanti kalau sudah keluar dari dukcapil | later
kapan2 deh | later
belakangan | later
ktp nya nanti | later
fotonya nanti | later
nanti saja pak, belum ada | later
ya | refused
tidak | refused
belum | refused
sudah | refused
sudah saya kirim | refused
kirim | refused
Rahmawati | refused
Ahmad Sanusi | refused
BRI 1234567890 | refused
081234567890 | refused
kemarin | refused
17-08-2026 | refused
kayu agung | refused
anak | refused
menu | refused
batal | refused
bantuan | refused
kapan | refused
kenapa | refused
apa itu sktm | refused
gimana caranya | refused
foto | refused
ini fotonya | refused
tidak mau | refused
saya tidak punya hp | refused
"""

REFUSED = "refused"


def _value(result) -> str:
    return REFUSED if result.value is None else str(result.value)


def _bank(text: str) -> str:
    bank = parse_bank(text).value
    return REFUSED if bank is None else " ".join(filter(None, (bank.name, bank.account)))


def _date(text: str) -> str:
    return _value(parse_date(text, today=TODAY))


def _place(text: str) -> str:
    wilayah = load_wilayah()
    kecamatan, _, desa = text.partition(">>")
    if desa:
        code = next(p.code for p in wilayah.kecamatan if p.name == kecamatan.strip())
        found = wilayah.match_desa(code, desa.strip())
    else:
        found = wilayah.match_kecamatan(kecamatan.strip())
    return found.place.name if found.place else ("choice" if found.candidates else REFUSED)


TABLES: dict[str, tuple[str, Callable[[str], str]]] = {
    "names": (NAMES, lambda text: _value(parse_name(text))),
    "phones": (PHONES, lambda text: _value(parse_phone(text))),
    "dates": (DATES, _date),
    "relationships": (RELATIONSHIPS, lambda text: _value(parse_relationship(text))),
    "banks and accounts": (BANKS, _bank),
    "places": (PLACES, _place),
    "deferrals": (DEFERRALS, lambda text: "later" if is_later(text) else REFUSED),
}


def rows(table: str) -> list[tuple[str, str]]:
    """(answer as typed, what it must give) of one table."""
    out = []
    for line in table.strip("\n").split("\n"):
        text, _, want = line.rpartition(" | ")
        out.append((text, want.strip()))
    return out


@dataclass(frozen=True, slots=True)
class Score:
    parser: str
    cases: int
    right: int
    refusals: int  # cases whose right answer is "refused"
    wrong: tuple[tuple[str, str, str], ...]  # (typed, wanted, got)

    @property
    def share(self) -> float:
        return self.right / self.cases


def evaluate() -> list[Score]:
    scores = []
    for parser, (table, run) in TABLES.items():
        cases = rows(table)
        got = [(text, want, run(text)) for text, want in cases]
        wrong = tuple(g for g in got if g[1] != g[2])
        scores.append(Score(parser, len(cases), len(cases) - len(wrong), sum(w == REFUSED for _, w in cases), wrong))
    return scores
