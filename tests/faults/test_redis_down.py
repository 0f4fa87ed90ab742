"""Redis killed in the middle of conversations, then started again, under a running server.

While Redis is down, a Telegram citizen gets the apology from the catalogue (MSG.error: "your
answer is not saved yet, try again shortly") and the webhook answers 200, since the apology reached
them (bot/webhooks.py). Once Redis is back, the same server, never restarted, answers again: the
conversation that was half-way continues from the step it had reached (Redis runs with its
append-only file, as docs/operations.md recommends), and the report is filed."""
from __future__ import annotations

from conversations.messages_id import MSG
from tests.faults.conftest import Citizen, filed_reports, reference_in
from tests.handlers.test_santunan_channels import script


def test_redis_stopped_mid_conversation_then_started_again(db_url, private_redis, serve, fake_telegram):
    server = serve(DATABASE_URL=db_url, REDIS_URL=private_redis.url)
    answers = script("1602015708850011", ["nanti"] * 5)
    siti, budi = Citizen(fake_telegram, chat_id=9101), Citizen(fake_telegram, chat_id=9102)
    assert siti.walk(server, answers[:3])[-1].endswith(MSG.rep_ask_relationship)  # "lapor kematian", "ya", her name
    assert budi.walk(server, ["halo"])

    private_redis.kill()
    assert server.ready().json() == {"status": "unavailable", "failed": ["redis"]}
    assert siti.walk(server, [answers[3]]) == [MSG.error]  # 200: the apology reached her
    assert budi.walk(server, ["cek bpjs"]) == [MSG.error]

    private_redis.start()  # the same directory: the append-only file is read back
    assert server.ready().status_code == 200
    # the same process answers again, and Siti's conversation goes on from her relationship
    assert [t.splitlines()[-1] for t in siti.walk(server, [answers[3]])] == [MSG.rep_ask_nik]
    assert budi.walk(server, ["cek bpjs"]) == [MSG.cov_ask_nik]
    replies = siti.walk(server, answers[4:])
    reference = reference_in(replies)
    assert filed_reports(db_url) == {reference: 0}  # nothing lost
