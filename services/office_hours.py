"""When staff answer the helpdesk: HELPDESK_HOURS and HELPDESK_HOLIDAYS, in Asia/Jakarta.

    OfficeHours.parse("Mon-Fri 08:00-15:00", "2026-12-25")   # PANDAWA's hours, and a holiday
    OfficeHours.parse("Mon-Fri 08:00-15:00, Sat 08:00-12:00", "")
    OfficeHours.parse("Mon-Sun 00:00-24:00", "")              # always

`is_open(now)` and `next_open(now)` (the next moment someone will read, as an aware datetime)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DAYS", "OfficeHours", "WIB"]

WIB = ZoneInfo("Asia/Jakarta")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    # per weekday (0 Monday), the (start, end) minutes of the day when someone answers
    spans: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date]

    @classmethod
    def parse(cls, hours: str, holidays: str = "") -> OfficeHours:
        """ValueError with a reason for anything malformed (the settings turn it into one line)."""
        spans: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        for part in (p.strip() for p in hours.split(",") if p.strip()):
            m = _PART.match(part.lower())
            if not m or m[1] not in DAYS or (m[2] and m[2] not in DAYS):
                raise ValueError(f"{part!r}: write it like Mon-Fri 08:00-15:00")
            start, end = int(m[3]) * 60 + int(m[4]), int(m[5]) * 60 + int(m[6])
            if not (0 <= start < end <= 24 * 60) or int(m[4]) > 59 or int(m[6]) > 59:
                raise ValueError(f"{part!r}: the hours must run forwards within one day (00:00-24:00)")
            first, last = DAYS.index(m[1]), DAYS.index(m[2] or m[1])
            for day in range(first, (last if last >= first else last + 7) + 1):
                spans[day % 7].append((start, end))
        days: set[date] = set()
        for text in (t.strip() for t in holidays.split(",") if t.strip()):
            try:
                days.add(date.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{text!r}: holidays are YYYY-MM-DD dates, comma-separated") from None
        if not any(spans):
            raise ValueError("no hours at all: give at least one, like Mon-Fri 08:00-15:00")
        return cls(tuple(tuple(sorted(s)) for s in spans), frozenset(days))

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(WIB)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.spans[local.weekday()])

    def next_open(self, now: datetime) -> datetime:
        """Now when open, else the start of the next span (holidays skipped), in WIB."""
        local = now.astimezone(WIB)
        if self.is_open(now):
            return local
        for ahead in range(0, 400):
            day = local.date() + timedelta(days=ahead)
            if day in self.holidays:
                continue
            for start, _end in self.spans[day.weekday()]:
                at = datetime.combine(day, time(start // 60, start % 60), WIB)
                if at > local:
                    return at
        raise ValueError("no opening time within a year")  # every day a holiday: refused by parse in practice
