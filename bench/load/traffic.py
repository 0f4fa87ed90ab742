"""The citizens of a load run: scripted conversations turned into signed webhook requests, written
one file per wrk connection (a connection carries its citizens one after the other, each message
only after the previous one was answered, as Telegram and Twilio deliver a chat's messages).

Mix (by citizens; every second one on Telegram, the others on WhatsApp):
- 45 % menu and pengumuman: "halo" -> "pengumuman" -> "menu"
- 30 % cek kepesertaan: "cek bpjs" -> a NIK from the imported list (1 in 5 a valid one not on it) -> the name
- 15 % langganan: "halo" -> "langganan" -> "2" -> "kayu agung" -> "menu"
- 10 % a complete lapor kematian: 19 turns from consent to reference number, two documents sent
  as photos (downloaded from the fake provider and stored), the others "nanti"
Baseline citizens fill in the baseline bot's 3-step form: "daftar" -> name -> NIK -> desa.

A line of a file is `path TAB header TAB value TAB content-type TAB body`; `load.lua` reads them.
"""
from __future__ import annotations

import itertools
import json
import random
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from twilio.request_validator import RequestValidator

from bench.chat_turns import TURNS as SUBSCRIBE
from bench.santunan import _nik as deceased_nik
from bench.santunan import _script as santunan_script

PHOTO = object()  # in a script: the citizen sends a photo instead of text
MIX = (("menu", 45), ("coverage", 30), ("subscribe", 15), ("santunan", 10))
SANTUNAN_PHOTOS = (13, 14)  # the first two document steps of bench.santunan's script


@dataclass
class Channels:
    base_url: str  # the public base URL the server signs WhatsApp requests against
    telegram_secret: str
    twilio_account: str
    twilio_token: str
    twilio_from: str
    twilio_api: str  # media URLs must be on Twilio's (here: the fake's) base URL
    validator: RequestValidator = field(init=False)

    def __post_init__(self) -> None:
        self.validator = RequestValidator(self.twilio_token)


@dataclass
class Connection:
    lines: list[str] = field(default_factory=list)
    # (index of the last request, the deceased's NIK, the citizen's chat id or number) of each
    # lapor kematian script
    santunan_ends: list[tuple[int, str, str]] = field(default_factory=list)


class Traffic:
    """Makes the requests; ids (update ids, message SIDs, chats, NIKs) never repeat within a run."""

    def __init__(self, channels: Channels, registry: list[dict[str, str]], seed: int = 11,
                 mix: tuple[tuple[str, int], ...] = MIX, whatsapp: bool = True) -> None:
        self.c, self.registry, self.rng, self.whatsapp = channels, registry, random.Random(seed), whatsapp
        self._ids, self._users = itertools.count(1), itertools.count(1)
        kinds = [kind for kind, weight in mix for _ in range(weight)]
        self._kinds = itertools.cycle(self.rng.sample(kinds, len(kinds)))

    # --- scripts ---

    def _script(self, kind: str) -> list[object]:
        if kind == "menu":
            return ["halo", "pengumuman", "menu"]
        if kind == "coverage":
            row = self.rng.choice(self.registry)
            nik = row["nik"] if self.rng.random() < 0.8 else deceased_nik()  # valid, not on the list
            return ["cek bpjs", nik, row["nama"].title()]
        if kind == "subscribe":
            return list(SUBSCRIBE)
        script: list[object] = list(santunan_script(deceased_nik()))
        for i in SANTUNAN_PHOTOS:
            script[i] = PHOTO
        return script

    def citizens(self) -> Iterator[tuple[str, list[str]]]:
        """Endless citizens of the mix: (kind, their requests as lines); for a lapor kematian the
        kind is "santunan:<deceased NIK>"."""
        while True:
            user, kind = next(self._users), next(self._kinds)
            telegram = bool(user % 2 or not self.whatsapp)
            make = self._telegram if telegram else self._whatsapp
            script = self._script(kind)
            if kind == "santunan":
                kind = f"santunan:{script[4]}:{_chat(user) if telegram else _number(user)}"
            yield kind, [make(user, said) for said in script]

    def baseline_citizens(self) -> Iterator[tuple[str, list[str]]]:
        while True:
            user = next(self._users)
            row = self.rng.choice(self.registry)
            yield "form", [self._telegram(user, said) for said in ("daftar", row["nama"].title(), row["nik"],
                                                                     "Sukadana")]

    # --- requests ---

    def _telegram(self, user: int, said: object) -> str:
        uid, chat = next(self._ids), int(_chat(user))
        message: dict[str, object] = {"message_id": uid, "date": 1_764_000_000,
                                      "chat": {"id": chat, "type": "private", "first_name": "Warga"},
                                      "from": {"id": chat, "is_bot": False, "first_name": "Warga"}}
        if said is PHOTO:
            message["photo"] = [{"file_id": f"ph{uid}", "file_unique_id": f"phu{uid}", "width": 1280,
                                 "height": 960, "file_size": 60_000}]
        else:
            message["text"] = said
        body = json.dumps({"update_id": uid, "message": message}, separators=(",", ":"))
        return "\t".join(("/webhooks/telegram", "X-Telegram-Bot-Api-Secret-Token", self.c.telegram_secret,
                          "application/json", body))

    def _whatsapp(self, user: int, said: object) -> str:
        uid = next(self._ids)
        sid, number = f"SM{uid:032x}", _number(user)
        form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": self.c.twilio_account,
                "From": f"whatsapp:{number}", "To": self.c.twilio_from, "ProfileName": "Warga",
                "WaId": number[1:], "NumMedia": "0", "Body": ""}
        if said is PHOTO:
            form.update(NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0=(
                f"{self.c.twilio_api}/2010-04-01/Accounts/{self.c.twilio_account}/Messages/MM{uid:032x}"
                f"/Media/ME{uid:032x}"))
        else:
            form["Body"] = str(said)
        signature = self.c.validator.compute_signature(self.c.base_url + "/webhooks/whatsapp", form)
        return "\t".join(("/webhooks/whatsapp", "X-Twilio-Signature", signature,
                          "application/x-www-form-urlencoded", urllib.parse.urlencode(form)))


def write_connections(folder: Path, citizens: Iterator[tuple[str, list[str]]], connections: int,
                      per_connection: int) -> list[Connection]:
    """At least `per_connection` requests for each of `connections` files conn_<i>.txt in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(connections):
        conn = Connection()
        while len(conn.lines) < per_connection:
            kind, lines = next(citizens)
            conn.lines.extend(lines)
            if kind.startswith("santunan:"):
                _, nik, address = kind.split(":", 2)
                conn.santunan_ends.append((len(conn.lines) - 1, nik, address))
        (folder / f"conn_{i}.txt").write_text("\n".join(conn.lines) + "\n", encoding="utf-8")
        made.append(conn)
    return made


def _chat(user: int) -> str:
    return str(700_000_000 + user)


def _number(user: int) -> str:
    return f"+62813{user:07d}"
