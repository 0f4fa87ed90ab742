"""User-facing strings of the knowledge base (answers to questions), in Bahasa Indonesia: part of
the catalogue (conversations/messages_id.py `MSG` inherits them), kept apart to keep each module short."""
from __future__ import annotations

__all__ = ["AnswerTexts"]


class AnswerTexts:
    kb_did_you_mean = "Maksud Anda: {first}?"
    kb_did_you_mean_two = "Maksud Anda salah satu dari ini? Pilih nomornya:\n1. {first}\n2. {second}"
    kb_not_these = "Bukan, tanya petugas"
    kb_none = ("Maaf, pertanyaan itu belum bisa saya jawab. Pertanyaan Anda sudah kami catat agar petugas "
               "melengkapi jawabannya. Mau bicara langsung dengan petugas, atau kembali ke menu?")
    kb_none_no_person = ("Maaf, pertanyaan itu belum bisa saya jawab. Pertanyaan Anda sudah kami catat agar "
                         "petugas melengkapi jawabannya. Ketik MENU untuk melihat layanan.")
    kb_none_in_form = ("Maaf, pertanyaan itu belum bisa saya jawab di sini; sudah kami catat untuk petugas. "
                       "Ketik PETUGAS untuk bicara dengan petugas. Sekarang kita lanjutkan:")
    kb_person = "Tanya petugas"
    kb_menu = "Menu"
    kb_ask_helpful = "Apakah jawaban ini membantu?"
    kb_helpful_yes = "Ya, membantu"
    kb_helpful_no = "Tidak membantu"
    kb_thanks = "Terima kasih! Ketik MENU untuk melihat layanan lain, atau tulis pertanyaan lain."
    kb_sorry = ("Maaf jawabannya belum membantu. Masukan Anda kami catat untuk petugas. Mau bicara langsung "
                "dengan petugas?")
    kb_gone = "Maaf, jawaban itu sudah tidak tersedia. Silakan tulis pertanyaan Anda lagi."
