"""Cek kepesertaan as a dialogue, with a fake coverage service."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from conversations.messages_id import MSG
from services.coverage import CoverageInfo, LookupResult, RateLimited
from tests.conversations.dialogue import Dialogue, texts

NIK = "1602015708850003"
ACTIVE = CoverageInfo(category="perangkat desa", programmes=("JKK", "JKM"), start=date(2025, 1, 1),
                      end=date(2099, 12, 31), status="aktif", kpj_masked="25******678")


@dataclass
class FakeCoverage:
    result: LookupResult = field(default_factory=lambda: LookupResult("covered", ACTIVE))
    wait: float = 0.0
    calls: list = field(default_factory=list)
    limits: tuple[int, int] = (5, 10)

    async def wait_before_lookup(self, *, contact_id):
        return self.wait

    async def lookup(self, *, nik, name, contact_id, ip=None, proof=False):
        self.calls.append((nik, name))
        if self.wait:
            raise RateLimited(self.wait)
        return self.result


@pytest.fixture
def cov():
    return FakeCoverage()


@pytest.fixture
def d(cov):
    return Dialogue(coverage=cov)


async def test_covered_worker_sees_status_programmes_category_period_and_masked_card(d, cov):
    assert MSG.cov_ask_nik in texts(await d.say("cek bpjs"))
    assert texts(await d.say("1602 0157.0885-0003")) == MSG.cov_ask_name
    answer = texts(await d.say("Siti Aminah"))
    assert cov.calls == [(NIK, "Siti Aminah")]
    for expected in ("Status: aktif", "JKK (Jaminan Kecelakaan Kerja)", "JKM (Jaminan Kematian)",
                     "Perangkat Desa", "1 Januari 2025", "31 Desember 2099", "25******678"):
        assert expected in answer
    assert NIK not in answer and d.state is None


@pytest.mark.parametrize("typed,expected", [
    ("160201570885000", MSG.cov_nik_short.format(digits=15)),
    ("16020157088500031", MSG.cov_nik_long.format(digits=17)),
    ("16O2015708850003", MSG.cov_nik_letters),
    ("1602019908850003", MSG.cov_nik_date),
    ("9902015708850003", MSG.cov_nik_region),
])
async def test_a_wrong_nik_gets_a_clear_answer_and_the_question_stays(d, cov, typed, expected):
    await d.say("cek bpjs")
    assert texts(await d.say(typed)) == expected
    assert d.state["step"] == "nik" and cov.calls == []


async def test_unknown_nik_and_wrong_name_get_the_same_answer_with_the_nik_masked(d, cov):
    answers = []
    for outcome in ("not_found", "name_mismatch"):
        cov.result = LookupResult(outcome)
        await d.say("cek bpjs")
        await d.say(NIK)
        answers.append(texts(await d.say("Orang Lain")))
    assert answers[0] == answers[1] == MSG.cov_not_found.format(nik="160201******0003")
    assert "kepala desa" in answers[0] and "BPU" in answers[0]


@pytest.mark.parametrize("info,why", [
    (CoverageInfo("pekerja rentan", ("JKK", "JKM"), date(2024, 1, 1), date(2024, 12, 31), "aktif", None),
     MSG.cov_why_ended),
    (CoverageInfo("pekerja rentan", ("JKK", "JKM"), date(2025, 1, 1), date(2099, 12, 31), "nonaktif", None),
     MSG.cov_why_nonaktif),
])
async def test_expired_or_inactive_coverage_says_so_and_what_to_do(d, cov, info, why):
    cov.result = LookupResult("covered", info)
    await d.say("cek bpjs")
    await d.say(NIK)
    answer = texts(await d.say("Budi"))
    assert f"kepesertaan Anda {why}" in answer and "BPU" in answer and MSG.cov_unknown_kpj in answer


async def test_past_the_limit_a_kind_refusal_says_when_to_try_again(d, cov):
    cov.wait = 1800
    answer = texts(await d.say("cek bpjs"))
    assert answer.startswith("Demi keamanan data") and "WIB" in answer
    assert d.state is None and cov.calls == []
