"""What a flow is handed each turn: the contact, the services, the time. Built by dispatch."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.announcements import Broadcasts, Subscriptions
from services.answers import KnowledgeBase
from services.coverage import Coverage
from services.data_rights import DataRights
from services.helpdesk import Helpdesk
from services.lookups import LookupGuard
from services.santunan import Santunan
from services.staff_links import StaffLinks
from services.wilayah import Wilayah
from storage.contacts import ContactInfo

__all__ = ["Context", "Services"]


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a flow may use from the outside world; built once in bot/app.py."""

    subscriptions: Subscriptions
    wilayah: Wilayah
    coverage: Coverage
    santunan: Santunan
    broadcasts: Broadcasts | None = None
    public_base_url: str = ""
    staff_links: StaffLinks | None = None  # staff who linked their own chat (conversations/staff_chat.py)
    data_rights: DataRights | None = None  # DATA SAYA, HAPUS DATA SAYA (conversations/data_rights.py)
    helpdesk: Helpdesk | None = None  # a person when the bot is not enough (conversations/helpdesk.py)
    lookups: LookupGuard | None = None  # per-IP, per-contact and per-NIK limits of sensitive lookups
    answers: KnowledgeBase | None = None  # the knowledge base: questions answered (conversations/questions.py)


@dataclass(frozen=True, slots=True)
class Context:
    contact: ContactInfo
    services: Services
    now: datetime
    ip: str | None = None  # the web chat's client address (Incoming.ip); None on the messaging channels
    proof: bool = False  # this message came with a solved proof of work (Incoming.proof)
