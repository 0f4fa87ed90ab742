"""The server killed with SIGKILL in the middle of a turn, then started again; Telegram, which got
no answer, delivers the same update again.

Two places for the kill, each made certain rather than hoped for:
- inside the turn, before its state is saved: on a private PostgreSQL, another session holds the
  `reports` table, so the turn waits in the NIK step (the duplicate-report check) with the
  contact's lock held and the state loaded. The redelivery must be handled (the question after
  the NIK comes) and not taken for a duplicate: a message whose turn never finished is never
  dropped.
- after the state is saved, while the reply is on its way: the fake Bot API takes the sendMessage
  and holds its answer. The redelivery is a duplicate (the answer was applied once) and the
  conversation goes on from the next question.
Either way the stored state is one the engine loads and continues from."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from conversations.messages_id import MSG
from tests.faults.conftest import Citizen, filed_reports, reference_in
from tests.faults.processes import wait_until
from tests.handlers.test_santunan_channels import script

NIK_STEP = 4  # script(): "lapor kematian", "ya", the reporter, the relationship, then the NIK


def _killed_in_flight(server, citizen: Citizen, answer: str, inside) -> dict:
    """Post `answer`, kill the server once `inside()` says the turn is where we want it; the
    update, for Telegram to deliver again."""
    with ThreadPoolExecutor(1) as pool:
        posted = pool.submit(citizen.say, server, answer)
        wait_until(inside, 15, "the turn to get there", server.log)
        server.kill()
        try:
            posted.result(timeout=15)
            raise AssertionError("the webhook answered although the server was killed")
        except httpx.HTTPError:
            pass  # Telegram got no answer: it will deliver the update again
    return citizen.sent[-1]


def test_killed_before_the_turn_is_saved_the_redelivery_is_handled(private_pg, serve, fake_telegram):
    server = serve(DATABASE_URL=private_pg.url)
    siti = Citizen(fake_telegram, chat_id=9401)
    answers = script("1602015708850016", ["nanti"] * 5)
    assert siti.walk(server, answers[:NIK_STEP])[-1].endswith(MSG.rep_ask_nik)  # after "Langkah 4 dari 19."
    with private_pg.table_locked("reports"):
        update = _killed_in_flight(server, siti, answers[NIK_STEP], lambda: private_pg.waiting() > 0)
    server.start()
    before = len(siti.texts())
    assert siti.redeliver(server, update).status_code == 200
    # handled now, not dropped as a duplicate
    assert [t.splitlines()[-1] for t in siti.texts()[before:]] == [MSG.rep_ask_name]
    assert siti.redeliver(server, update).status_code == 200
    assert [t.splitlines()[-1] for t in siti.texts()[before:]] == [MSG.rep_ask_name]  # and only once
    reference = reference_in(siti.walk(server, answers[NIK_STEP + 1:]))
    assert filed_reports(private_pg.url) == {reference: 0}


def test_killed_while_replying_the_redelivery_is_a_duplicate(db_url, serve, fake_telegram):
    # the reply as its own Bot API call, so that it can be caught on its way
    server = serve(DATABASE_URL=db_url, TELEGRAM_WEBHOOK_REPLY="false")
    siti = Citizen(fake_telegram, chat_id=9402)
    answers = script("1602015708850017", ["nanti"] * 5)
    assert siti.walk(server, answers[:NIK_STEP])[-1].endswith(MSG.rep_ask_nik)  # after "Langkah 4 dari 19."
    fake_telegram.delays["sendMessage"] = [5]  # takes the message, answers late: the kill lands in between
    sent = len(siti.texts())
    update = _killed_in_flight(server, siti, answers[NIK_STEP], lambda: len(siti.texts()) > sent)
    assert [t.splitlines()[-1] for t in siti.texts()[sent:]] == [MSG.rep_ask_name]  # it had reached Telegram
    server.start()
    assert siti.redeliver(server, update).status_code == 200
    assert [t.splitlines()[-1] for t in siti.texts()[sent:]] == [MSG.rep_ask_name]  # applied once: no second answer
    replies = siti.walk(server, answers[NIK_STEP + 1:])  # the name, and the rest, from where it was
    assert replies[0].endswith(MSG.rep_ask_date)
    assert filed_reports(db_url) == {reference_in(replies): 0}
