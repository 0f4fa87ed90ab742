"""The attachment disk full while citizens send the photos of their documents.

The disk is real: a small tmpfs mounted at DATA_DIR/attachments (tests/faults/conftest.py), filled
to the last byte, so the server's writes fail with ENOSPC as they would on a full disk (root may
mount here; RLIMIT_FSIZE would only imitate it, with EFBIG, and for the whole process). A Telegram
and a WhatsApp citizen each get a clear answer (MSG.media_not_saved), the report they are filling
in stays where it was, no half-written file is left behind, and once space is freed the same
server takes the photo and the report is filed with it."""
from __future__ import annotations

from conversations.messages_id import MSG
from tests.faults.conftest import Citizen, filed_reports, reference_in
from tests.handlers.test_santunan_channels import JPEG, script


def test_a_full_attachment_disk_answers_clearly_and_keeps_the_report(db_url, small_attachment_disk, serve,
                                                                      fake_telegram, fake_twilio):
    server = serve(DATABASE_URL=db_url)
    fake_telegram.add_file("sktm", JPEG)
    photo_tg = {"photo": [{"file_id": "sktm", "file_unique_id": "u1", "width": 9, "height": 9,
                           "file_size": len(JPEG)}]}
    photo_wa = {"NumMedia": "1", "MediaUrl0": fake_twilio.add_media("ME1", JPEG, "image/jpeg"),
                "MediaContentType0": "image/jpeg"}
    siti, budi = Citizen(fake_telegram, chat_id=9301), Citizen(twilio=fake_twilio, number="+6281290300001")
    siti_answers = script("1602015708850014", [photo_tg, "nanti", "nanti", "nanti", "nanti"])
    budi_answers = script("1602015708850015", [photo_wa, "nanti", "nanti", "nanti", "nanti"])
    first_document = siti_answers.index(photo_tg)
    asked = siti.walk(server, siti_answers[:first_document])[-1]
    assert budi.walk(server, budi_answers[:first_document])[-1].startswith(asked)  # both: the SKTM, please

    small_attachment_disk.fill()
    assert siti.walk(server, [photo_tg]) == [MSG.media_not_saved]
    [answer] = budi.walk(server, [photo_wa])
    assert answer.startswith(MSG.media_not_saved)  # WhatsApp: with the choices as a numbered list
    assert small_attachment_disk.files() == []  # nothing half-written left to take the space

    small_attachment_disk.free()
    siti_replies = siti.walk(server, siti_answers[first_document:])  # the photo again, then the rest
    budi_replies = budi.walk(server, budi_answers[first_document:])
    assert not [r for r in siti_replies + budi_replies if r.startswith(MSG.media_not_saved)]
    assert filed_reports(db_url) == {reference_in(siti_replies): 1, reference_in(budi_replies): 1}
    assert len(small_attachment_disk.files()) == 2
