"""Who receives customer messages: addresses from the order's parties and the customer record."""

from __future__ import annotations

import pytest

from order_completion.integrations.messages.rules import NoRecipient, Recipient, recipients_for


def email_medium(address: str, *, preferred: bool | None = None) -> dict[str, object]:
    medium: dict[str, object] = {"mediumType": "email", "characteristic": {"emailAddress": address}}
    if preferred is not None:
        medium["preferred"] = preferred
    return medium


def test_the_customer_party_comes_first_then_the_record_then_other_parties() -> None:
    """Order of the list follows who the message is for, not where a party sits in the order."""
    order = {
        "id": "PO-1",
        "relatedParty": [
            {"id": "s1", "role": "Seller", "name": "Sam Seller", "emailAddress": "sam@op.example"},
            {
                "id": "c1",
                "role": "Customer",
                "name": "Harbour Logistics",
                "contactMedium": [
                    {"mediumType": "phone", "characteristic": {"phoneNumber": "+47 1"}},
                    email_medium("ops@harbour.example"),
                    email_medium("mia@harbour.example", preferred=True),
                ],
            },
        ],
    }
    customer = {
        "id": "CU-9",
        "name": "Harbour Logistics AS",
        "contactMedium": [email_medium("billing@harbour.example")],
    }
    assert recipients_for(order, customer) == (
        Recipient("mia@harbour.example", "Harbour Logistics"),
        Recipient("ops@harbour.example", "Harbour Logistics"),
        Recipient("billing@harbour.example", "Harbour Logistics AS"),
        Recipient("sam@op.example", "Sam Seller"),
    )


def test_a_party_may_carry_its_address_directly_and_each_address_counts_once() -> None:
    """``emailAddress`` on the party is read too; one address in two places is one recipient."""
    order = {
        "relatedParty": [
            {"role": "customer", "emailAddress": "Mia@Harbour.example"},
            {"role": "customer", "contactMedium": [email_medium("mia@harbour.example")]},
        ]
    }
    assert recipients_for(order) == (Recipient("Mia@Harbour.example"),)


def test_a_name_is_kept_on_one_line() -> None:
    """Line breaks in a party's name could add e-mail headers; they become single spaces."""
    order = {
        "relatedParty": [
            {
                "role": "customer",
                "name": "Mia\r\nBcc: all@x.example ",
                "emailAddress": "m@h.example",
            }
        ]
    }
    assert recipients_for(order) == (Recipient("m@h.example", "Mia Bcc: all@x.example"),)


def test_the_customer_record_alone_is_enough() -> None:
    """An order without addresses is served by the TMF629 customer's contact media."""
    customer = {"id": "CU-9", "contactMedium": [email_medium("desk@harbour.example")]}
    assert recipients_for({"id": "PO-2", "relatedParty": []}, customer) == (
        Recipient("desk@harbour.example"),
    )


@pytest.mark.parametrize(
    "address",
    ["", "not-an-address", "a@b", "mia@harbour.example\r\nBcc: all@example.com", "a b@c.example"],
)
def test_malformed_addresses_are_skipped(address: str) -> None:
    """Values that are not one plain address (header injection included) are never used."""
    order = {"id": "PO-3", "relatedParty": [{"role": "customer", "emailAddress": address}]}
    with pytest.raises(NoRecipient):
        recipients_for(order)


def test_no_address_anywhere_says_where_it_looked() -> None:
    """The caller turns this into an information-required event, so it names order and customer."""
    order = {"id": "PO-4", "relatedParty": [{"id": "c1", "role": "customer", "name": "Harbour"}]}
    with pytest.raises(NoRecipient, match="PO-4 nor on customer CU-9"):
        recipients_for(order, {"id": "CU-9", "contactMedium": [{"mediumType": "email"}]})
    with pytest.raises(NoRecipient, match="no e-mail address on product order PO-4:"):
        recipients_for(order)
