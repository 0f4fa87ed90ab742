"""PostgreSQL stopped as if it crashed (`pg_ctl stop -m immediate`: no checkpoint, WAL replay at the
next start) and started again under a running server, on a private cluster.

A report whose reference number reached the citizen is in the database afterwards: the number is
only sent once the report is committed. While PostgreSQL is down a citizen gets the apology; once it
is back the same server process answers again, with no apology, from its first message on: both
of its connection pools (the sessions' and the state store's lock connections) test a connection
before using it."""
from __future__ import annotations

import pytest

from conversations.messages_id import MSG
from tests.faults.conftest import Citizen, filed_reports, reference_in
from tests.handlers.test_santunan_channels import script


@pytest.mark.parametrize("state", ["sql", "redis"])
def test_a_report_acknowledged_before_postgres_restarts_is_kept(state, private_pg, serve, fake_telegram, request):
    redis = request.getfixturevalue("private_redis").url if state == "redis" else ""
    server = serve(DATABASE_URL=private_pg.url, REDIS_URL=redis)
    siti, budi = Citizen(fake_telegram, chat_id=9201), Citizen(fake_telegram, chat_id=9202)
    reference = reference_in(siti.walk(server, script("1602015708850012", ["nanti"] * 5)))
    budi.walk(server, script("1602015708850013", ["nanti"] * 5)[:6])  # half-way: the date of death is next

    private_pg.cluster.stop("immediate")
    assert server.ready().json() == {"status": "unavailable", "failed": ["database"]}
    assert budi.walk(server, ["kemarin"]) == [MSG.error]

    private_pg.cluster.start()
    assert filed_reports(private_pg.url) == {reference: 0}  # acknowledged, so kept
    # the same server answers at once: every pooled connection died with PostgreSQL
    assert siti.walk(server, ["cek status", "laporan saya"])[-1].startswith(f"Laporan {reference}")
    asked = budi.walk(server, ["kemarin"])
    assert [t.splitlines()[-1] for t in asked] == [MSG.rep_ask_kecamatan]  # his report goes on where it was
    assert server.ready().status_code == 200
