"""HELPDESK_HOURS and HELPDESK_HOLIDAYS: when a person answers, and when they will next."""
from __future__ import annotations

from datetime import datetime

import pytest

from conversations.helpdesk import when_text
from services.office_hours import WIB, OfficeHours

PANDAWA = OfficeHours.parse("Mon-Fri 08:00-15:00", "2026-12-25")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.mark.parametrize("at, open_", [
    (wib(2026, 12, 2, 8, 0), True),     # Wednesday, the first minute
    (wib(2026, 12, 2, 14, 59), True),
    (wib(2026, 12, 2, 15, 0), False),   # the end is not included
    (wib(2026, 12, 2, 7, 59), False),
    (wib(2026, 12, 5, 10, 0), False),   # Saturday
    (wib(2026, 12, 25, 10, 0), False),  # a holiday on a Friday
])
def test_open_in_office_hours_only(at, open_):
    assert PANDAWA.is_open(at) is open_


def test_the_next_opening_skips_nights_weekends_and_holidays():
    assert PANDAWA.next_open(wib(2026, 12, 2, 16, 0)) == wib(2026, 12, 3, 8, 0)
    assert PANDAWA.next_open(wib(2026, 12, 4, 15, 30)) == wib(2026, 12, 7, 8, 0)  # Friday evening: Monday
    assert PANDAWA.next_open(wib(2026, 12, 24, 15, 30)) == wib(2026, 12, 28, 8, 0)  # over Christmas and a weekend
    assert PANDAWA.next_open(wib(2026, 12, 2, 6, 0)) == wib(2026, 12, 2, 8, 0)
    now = wib(2026, 12, 2, 9, 0)
    assert PANDAWA.next_open(now) == now


def test_in_words_for_the_citizen():
    now = wib(2026, 12, 4, 16, 0)  # Friday
    assert when_text(wib(2026, 12, 4, 17, 0), now) == "hari ini pukul 17.00 WIB"
    assert when_text(wib(2026, 12, 5, 8, 0), now) == "besok pukul 08.00 WIB"
    assert when_text(wib(2026, 12, 7, 8, 0), now) == "hari Senin, 7 Desember, pukul 08.00 WIB"


def test_always_and_several_spans():
    always = OfficeHours.parse("Mon-Sun 00:00-24:00")
    assert always.is_open(wib(2026, 12, 6, 3, 0))
    two = OfficeHours.parse("Mon-Fri 08:00-15:00, Sat 08:00-12:00")
    assert two.is_open(wib(2026, 12, 5, 9, 0)) and not two.is_open(wib(2026, 12, 5, 13, 0))
    assert two.next_open(wib(2026, 12, 5, 13, 0)) == wib(2026, 12, 7, 8, 0)


@pytest.mark.parametrize("hours, holidays", [("Mon-Fri", ""), ("Mon-Fri 15:00-08:00", ""), ("Xyz 08:00-10:00", ""),
                                             ("Mon-Fri 08:00-15:00", "25-12-2026"), ("", "")])
def test_malformed_settings_are_refused(hours, holidays):
    with pytest.raises(ValueError):
        OfficeHours.parse(hours, holidays)
