"""The parser evaluation table (tests/data/parser_eval.py): at least 100 real-style answers per
parser, at least 97% of each right, and no deferral ever taken as a value by a parser that stores one."""
from __future__ import annotations

import pytest

from conversations.fields import parse_bank, parse_name, parse_relationship
from conversations.parsing import parse_date, parse_phone
from tests.data.parser_eval import DEFERRALS, TABLES, TODAY, evaluate, rows

SCORES = {score.parser: score for score in evaluate()}
LATER = [text for text, want in rows(DEFERRALS) if want == "later"]


@pytest.mark.parametrize("parser", list(TABLES))
def test_each_parser_reads_at_least_97_percent_of_100_real_answers(parser):
    score = SCORES[parser]
    assert score.cases >= 100
    assert score.refusals >= 10  # the table tests refusing too, not only reading
    assert score.share >= 0.97, f"{parser}: {score.right}/{score.cases}; wrong: {score.wrong}"


@pytest.mark.parametrize("text", LATER)
def test_no_deferral_is_ever_a_value(text):
    assert parse_name(text).value is None and parse_name(text).error == "later"
    assert parse_relationship(text).value is None
    assert parse_bank(text).value is None
    assert parse_phone(text).value is None
    assert parse_date(text, today=TODAY).value is None


def test_a_deferral_in_another_table_must_be_refused_there():
    for parser, (table, _run) in TABLES.items():
        if parser == "deferrals":
            continue
        for text, want in rows(table):
            if text in LATER:
                assert want == "refused", (parser, text)


def test_the_relationship_is_what_the_reporter_is_to_the_deceased():
    assert parse_relationship("ibu saya").value == "child"  # the deceased is my mother
    assert parse_relationship("saya ibunya").value == "parent"  # I am his mother
    assert parse_relationship("mertua saya").value == "child_in_law"
    assert parse_relationship("cucu saya").value == "grandparent"


def test_an_e_wallet_is_refused_as_a_bank_with_its_own_reason():
    assert parse_bank("DANA 081234567890").error == "ewallet"
    assert parse_bank("BRI 123").error == "account"


def test_a_kecamatan_and_its_desa_in_one_message():
    from conversations.fields import place_pair
    from services.wilayah import load_wilayah

    wilayah = load_wilayah()
    for text in ("Sukadana, Kayu Agung", "desa sukadana kec kayu agung", "Kayu Agung / sukadna"):
        kecamatan, desa = place_pair(text, wilayah)
        assert (kecamatan.name, desa.name) == ("Kayu Agung", "Sukadana"), text
    assert place_pair("kec. pedamaran ds cinta jaya", wilayah)[1].name == "Cinta Jaya"
    for text in ("kayu agung", "kec kayu agung", "Kayu Agung, Jakarta", "Sukadana, Pedamaran"):
        assert place_pair(text, wilayah) is None, text
