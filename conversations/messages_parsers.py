"""User-facing strings of the answer parsers' refusals (conversations/fields.py) and the relationships
they understand, in Bahasa Indonesia: part of the catalogue (conversations/messages_id.py `MSG`
inherits them), kept apart to keep each module short."""
from __future__ import annotations

__all__ = ["ParserTexts"]


class ParserTexts:
    # --- names (conversations/fields.py parse_name) ---
    rep_name_digits = "Nama tidak berisi angka. Ketik nama lengkap dengan huruf, contoh: Ahmad Sanusi."
    rep_name_short = "Nama itu terlalu pendek. Ketik nama lengkap, bukan inisial, contoh: Ahmad Sanusi."
    rep_name_not_name = "Itu belum nama orang. Ketik nama lengkap sesuai KTP, contoh: Siti Aminah."
    rep_name_long = "Nama itu terlalu panjang. Ketik nama lengkapnya saja, tanpa keterangan lain."
    rep_holder_later = "Nama pemilik rekening kami perlukan untuk transfer. Ketik nama sesuai buku tabungan."

    # --- relationships (parse_relationship): what the reporter is to the deceased ---
    rep_relationship_unknown = ("Hubungan itu belum saya pahami. Pilih salah satu, atau ketik misalnya: anak, "
                                "istri, suami, ibu saya, menantu, cucu.")
    rep_relationship_later = ("Hubungan Anda dengan almarhum/almarhumah kami perlukan sekarang. Pilih salah satu "
                              "di bawah ini.")
    rel_child_in_law = "Menantu"
    rel_parent_in_law = "Mertua"
    rel_sibling_in_law = "Ipar"
    rel_grandchild = "Cucu"
    rel_grandparent = "Kakek/Nenek"
    rel_nephew = "Keponakan"
    rel_uncle = "Paman/Bibi"
    rel_cousin = "Sepupu"
    rel_neighbour = "Tetangga"
    rel_official = "Perangkat desa"

    # --- banks (parse_bank) ---
    rep_bank_ewallet = ("Santunan hanya bisa ditransfer ke rekening bank, tidak ke dompet digital seperti DANA, "
                        "OVO atau GoPay. Ketik nama bank ahli waris, contoh: BRI 1234567890, atau NANTI jika "
                        "belum punya rekening.")
    rep_bank_unknown = ("Nama bank itu belum saya kenal. Ketik nama banknya, contoh: BRI, BNI, Mandiri, BSI atau "
                        "Bank Sumsel Babel; atau NANTI jika belum ada.")
    rep_bank_account = ("Nomor rekening yang Anda ketik {digits} angka, padahal nomor rekening 6 sampai 20 angka. "
                        "Periksa lagi, contoh: BRI 1234567890.")
