"""Policy files: validation messages, loading, overriding and selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from order_completion.errors import InvalidInput
from order_completion.policies.loader import PolicyError, load_policies, parse_policy
from order_completion.policies.service import OrderFacts, PolicyBook

VALID = """
id: gold
version: 2
name: Gold
priority: 20
appliesTo: {productOffering: [ETH-1G]}
steps:
  - kind: readyForServiceNotice
  - kind: acceptance
    window: {businessDays: 5, country: GB}
  - kind: customerUpdate
"""


def problems(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "gold.yaml")
    return str(caught.value)


def test_bundled_policies_load_and_include_a_default() -> None:
    ids = {policy.id for policy in load_policies(None)}
    assert {"default", "consumer-standard", "business-managed"} <= ids


def test_a_valid_policy_keeps_its_settings() -> None:
    policy = parse_policy(VALID, "gold.yaml")
    assert policy.version == 2
    assert [step.kind.value for step in policy.steps] == [
        "readyForServiceNotice",
        "acceptance",
        "customerUpdate",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID.replace("businessDays: 5, country: GB", "businessDays: 5, days: 3"),
            "gold.yaml: steps[1].window: give exactly one of",
        ),
        (VALID.replace("country: GB", "country: XX"), "unknown holiday country 'XX'"),
        (VALID.replace("kind: customerUpdate", "kind: customerUpgrade"), "gold.yaml: steps[2]"),
        (VALID.replace("version: 2", "version: 0"), "gold.yaml: version:"),
        (
            VALID.replace(
                "  - kind: customerUpdate", "  - kind: acceptance\n    window: {days: 1}"
            ),
            "each step kind may appear once; repeated: acceptance",
        ),
        (VALID + "    after: [training]\n", "which the policy does not have"),
        (
            VALID.replace(
                "window: {businessDays: 5, country: GB}",
                "window: {businessDays: 5}\n    colour: red",
            ),
            "gold.yaml: steps[1].colour: Extra inputs are not permitted",
        ),
        (
            "id: x\nversion: 1\nname: x\nsteps:\n  - kind: customerUpdate\n  - kind: acceptance\n"
            "    window: {days: 1}\n",
            "customerUpdate must come after acceptance",
        ),
        ("id: [unclosed", "gold.yaml: line 1"),
        ("- just\n- a list\n", "a policy file must hold one mapping"),
        (
            VALID.replace("duration", "x").replace("businessDays: 5, country: GB", "duration: P1M"),
            "ISO-8601",
        ),
    ],
)
def test_bad_policies_are_refused_with_file_path_and_problem(text: str, expected: str) -> None:
    assert expected in problems(text)


def test_steps_may_not_wait_on_each_other_in_a_cycle() -> None:
    text = """
id: loop
version: 1
name: Loop
steps:
  - kind: training
    after: [satisfactionSurvey]
  - kind: satisfactionSurvey
    after: [training]
"""
    assert "cycle" in problems(text)


def test_a_policy_folder_adds_policies_and_overrides_bundled_ones_by_id(tmp_path: Path) -> None:
    (tmp_path / "gold.yaml").write_text(VALID)
    (tmp_path / "default.yaml").write_text(VALID.replace("id: gold", "id: default"))
    by_id = {policy.id: policy for policy in load_policies(tmp_path)}
    assert by_id["gold"].priority == 20
    assert by_id["default"].name == "Gold"


def test_a_bad_file_in_the_policy_folder_stops_loading(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\n")
    with pytest.raises(PolicyError, match=r"bad.yaml: version: Field required"):
        load_policies(tmp_path)


def test_every_bad_file_of_the_policy_folder_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a-bad.yaml").write_text("id: bad\n")
    (tmp_path / "b-good.yaml").write_text(VALID)
    (tmp_path / "c-broken.yaml").write_text("id: [unclosed\n")
    (tmp_path / "d-again.yaml").write_text(VALID)
    with pytest.raises(PolicyError) as caught:
        load_policies(tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{tmp_path / 'a-bad.yaml'}: version: Field required"
    assert [line.split(":")[0] for line in lines[-2:]] == [
        str(tmp_path / "c-broken.yaml"),
        str(tmp_path / "d-again.yaml"),
    ]
    assert "not valid YAML" in lines[-2]
    assert "'gold' is already defined in" in lines[-1]


def test_a_missing_policy_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy folder does not exist"):
        load_policies(tmp_path / "nowhere")


def test_selection_prefers_priority_then_specificity() -> None:
    book = PolicyBook([*load_policies(None), parse_policy(VALID, "gold.yaml")])
    assert book.select(OrderFacts("B2C", None, ["FIBRE"])).id == "consumer-standard"
    assert book.select(OrderFacts("b2b", None, ["SDWAN"])).id == "business-managed"
    assert book.select(OrderFacts("B2B", None, ["ETH-1G"])).id == "gold"
    assert book.select(OrderFacts(None, None, [])).id == "default"


def test_an_unknown_policy_id_names_the_field_and_the_known_ids() -> None:
    book = PolicyBook(load_policies(None))
    with pytest.raises(InvalidInput, match="known policies: business-managed") as caught:
        book.get("platinum")
    assert caught.value.field == "policy"
