"""The identifier finder on the hard cases people write, and on numbers that are not identifiers."""
import pytest

from spacy_rnn.anonymizer.identifiers import IdentifierFinder, canonical, surrogate

KEY = b"identifiers-test-key-0123456789ab"


def found(text, region="US", **kw):
    return [(text[i.start:i.end], i.label) for i in IdentifierFinder(region=region, **kw)(text)]


@pytest.mark.parametrize("text,expected", [
    ("Write to ingrid.johansson@telia.se.", ("ingrid.johansson@telia.se", "EMAIL")),
    ("mail: a.b+tag@mail.uni-x.example.co.uk!", ("a.b+tag@mail.uni-x.example.co.uk", "EMAIL")),
    ("(zed@example.org)", ("zed@example.org", "EMAIL")),
    ("call +46 70-123 45 67 tonight", ("+46 70-123 45 67", "PHONE")),
    ("ring 0046 70 123 45 67 tonight", ("0046 70 123 45 67", "PHONE")),
    ("my number: (202) 555-0143.", ("(202) 555-0143", "PHONE")),
    ("2025550143 is my number", ("2025550143", "PHONE")),
    ("card 4111 1111 1111 1111, thanks", ("4111 1111 1111 1111", "CARD")),
    ("card 4111-1111-1111-1111", ("4111-1111-1111-1111", "CARD")),
    ("card 4111111111111111.", ("4111111111111111", "CARD")),
    ("IBAN DE89 3704 0044 0532 0130 00.", ("DE89 3704 0044 0532 0130 00", "IBAN")),
    ("from 81.2.69.160.", ("81.2.69.160", "IP")),
    ("connect to fe80::fd39:b8ea:cc97:1e22:", ("fe80::fd39:b8ea:cc97:1e22", "IP")),
    ("ask @ingrid_j!", ("@ingrid_j", "HANDLE")),
])
def test_hard_cases_are_found_whole(text, expected):
    assert expected in found(text)


def test_national_forms_are_read_in_the_configured_region():
    assert found("call 070-123 45 67", region="SE") == [("070-123 45 67", "PHONE")]
    assert found("mobile 07911 123456", region="GB") == [("07911 123456", "PHONE")]
    assert found("015123450078", region="DE") == [("015123450078", "PHONE")]  # trunk 0, nine digits or more


@pytest.mark.parametrize("text", [
    "Final score 3-1, 2-2 at half time; 45,000 fans",
    "It costs $1,234,567.89 or EUR 2 500 000",
    "Meet on 2024-03-05 at 10:30, or 05/03/2024",
    "The war lasted 1939-1945 and 1,000,000 died",
    "Python 3.11.4 and version 10.0.19045.2965",
    "order 2015553534 arrives Friday",
    "we sold 12345678 units in 2019",
    "std::vector::size: is O(1)",
])
def test_numbers_that_are_not_identifiers(text):
    assert found(text) == []


def test_keep_patterns_protect_order_numbers():
    assert found("my order number is 118545093762") != []
    assert found("my order number is 118545093762", keep=[r"(?<=order number is )\d+"]) == []


@pytest.mark.parametrize("written", ["0046 70 123 45 67", "+46 70 123 45 67", "001 202 555 0143", "+1 (202) 555-0143",
                                     "07911 123456"])
def test_phone_surrogates_keep_the_shape_and_parse_as_the_same_country(written):
    ident = IdentifierFinder(region="GB" if written.startswith("079") else "US")(f"call {written}")[0]
    new = surrogate(ident, written, KEY, "c1")
    assert new != written and len(new) == len(written)
    assert [c.isdigit() for c in new] == [c.isdigit() for c in written]
    assert canonical("PHONE", new, "GB")[:3] == ident.value[:3]
