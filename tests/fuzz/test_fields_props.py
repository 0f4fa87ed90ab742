"""Property-based tests of the forms' people-and-money parsers (conversations/fields.py) on any text:
they never raise, a value is always clean, and a deferral in any wording built from the deferral
table, with polite words around it, is never a name, a relationship or a bank."""
from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from conversations.fields import RELATIONS, parse_bank, parse_name, parse_relationship, place_pair
from conversations.parsing import is_later
from services.wilayah import load_wilayah
from tests.data.parser_eval import DEFERRALS, rows
from tests.fuzz import fuzz_settings

LATER = [text for text, want in rows(DEFERRALS) if want == "later"]
POLITE = ["pak", "bu", "ya", "dulu", "saja", "deh", "kak", "min", "saya", "mas", "mbak"]
ANY_TEXT = st.text(max_size=200) | st.text(string.ascii_letters + string.digits + " .,-:'", max_size=60)


@fuzz_settings(300)
@given(text=ANY_TEXT)
def test_any_text_gives_a_clean_value_or_a_reason(text):
    name = parse_name(text)
    assert (name.value is None) != (name.error is None)
    if name.value is not None:
        assert name.value == name.value.strip() and not any(c.isdigit() for c in name.value)
        assert 2 <= sum(c.isalpha() for c in name.value) and len(name.value) <= 120
    relation = parse_relationship(text)
    assert relation.value is None or relation.value in RELATIONS
    bank = parse_bank(text).value
    if bank is not None:
        assert bank.name and (bank.account is None or (bank.account.isdigit() and 6 <= len(bank.account) <= 20))
    place_pair(text, load_wilayah())


@fuzz_settings(300)
@given(later=st.sampled_from(LATER), before=st.lists(st.sampled_from(POLITE), max_size=2),
       after=st.lists(st.sampled_from(POLITE), max_size=2), shout=st.booleans())
def test_a_deferral_is_never_taken_as_a_value(later, before, after, shout):
    text = " ".join([*before, later, *after])
    text = text.upper() if shout else text
    assert is_later(text), text
    assert parse_name(text).error == "later"
    assert parse_relationship(text).value is None
    assert parse_bank(text).value is None
