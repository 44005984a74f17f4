"""Identity stitching: who is one person, by which key, and why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cxcore.journeys import LoadConfig, StitchConfig, stitch


def test_records_sharing_an_identity_are_one_person_and_the_decision_is_kept() -> None:
    result = stitch(
        [
            {"source": "hubspot", "id": "42", "segment": "business", "identities": {"email": "h1"}},
            {"source": "zendesk", "id": "9", "identities": {"email": "h1", "phone": "p9"}},
            {"source": "zendesk", "id": "10", "identities": {"email": "h2"}},
        ],
        StitchConfig(identity_keys=["email"]),
    )
    assert result.n_records == 3
    assert result.n_persons == 2
    assert result.n_stitched_persons == 1
    assert result.person_of("zendesk", "9") == result.person_of("hubspot", "42") == "hubspot:42"
    assert result.person_of("zendesk", "10") == "zendesk:10"
    why = result.explain("zendesk", "9")
    assert why.person == "hubspot:42"
    assert why.records == ("hubspot:42", "zendesk:9")
    assert why.segment == "business"
    assert [(d.key, d.value, d.records, d.merged) for d in why.decisions] == [
        ("email", "h1", ("hubspot:42", "zendesk:9"), True)
    ]
    # phone is not a configured key: it joined nothing.
    assert all(d.key == "email" for d in result.decisions)
    assert result.explain("zendesk", "10").decisions == ()


def test_joins_are_transitive_and_redundant_evidence_is_marked() -> None:
    result = stitch(
        [
            {"source": "a", "id": "1", "identities": {"email": "e", "phone": "p"}},
            {"source": "b", "id": "1", "identities": {"email": "e"}},
            {"source": "c", "id": "1", "identities": {"phone": "p", "email": "x"}},
            {"source": "c", "id": "2", "identities": {"email": "x"}},
            {"source": "b", "id": "2", "identities": {"email": "e", "phone": "p"}},
        ],
        StitchConfig(identity_keys=["email", "phone"]),
    )
    assert result.n_persons == 1
    why = result.explain("c", "2")
    assert why.records == ("a:1", "b:1", "b:2", "c:1", "c:2")
    decided = {(d.key, d.value): (d.records, d.merged) for d in why.decisions}
    assert decided == {
        ("email", "e"): (("a:1", "b:1", "b:2"), True),
        ("email", "x"): (("c:1", "c:2"), True),
        ("phone", "p"): (("a:1", "b:2", "c:1"), True),
    }
    # A value whose records were already one person is corroborating evidence only.
    again = stitch(
        [
            {"source": "a", "id": "1", "identities": {"email": "e", "phone": "p"}},
            {"source": "b", "id": "1", "identities": {"email": "e", "phone": "p"}},
        ],
        StitchConfig(identity_keys=["email", "phone"]),
    )
    assert [(d.key, d.merged) for d in again.decisions] == [("email", True), ("phone", False)]


def test_external_id_links_to_the_other_sources_customer() -> None:
    result = stitch(
        [
            {"source": "hubspot", "id": "77"},
            {"source": "zendesk", "id": "5", "identities": {"hubspot_id": "77"}},
            {"source": "zendesk", "id": "6", "identities": {"hubspot_id": "78"}},
        ],
        StitchConfig(identity_keys=[], id_links={"hubspot_id": "hubspot"}),
    )
    assert result.person_of("zendesk", "5") == "hubspot:77"
    assert result.person_of("zendesk", "6") == "zendesk:6"  # no hubspot customer 78
    [decision] = result.explain("zendesk", "5").decisions
    assert (decision.key, decision.value, decision.records) == (
        "hubspot_id",
        "77",
        ("hubspot:77", "zendesk:5"),
    )


def test_an_identity_shared_by_too_many_records_is_not_used() -> None:
    customers = [
        {"source": "desk", "id": str(i), "identities": {"email": "noreply"}} for i in range(4)
    ]
    customers.append({"source": "crm", "id": "x", "identities": {"email": "real"}})
    customers.append({"source": "desk", "id": "y", "identities": {"email": "real"}})
    result = stitch(customers, StitchConfig(identity_keys=["email"], max_records_per_identity=3))
    assert result.n_persons == 5
    assert [(s.key, s.value, s.records) for s in result.skipped] == [("email", "noreply", 4)]
    assert result.person_of("desk", "y") == "crm:x"


def test_segment_priority_and_records_without_customer() -> None:
    customers = [
        {"source": "crm", "id": "1", "segment": "consumer", "identities": {"email": "e"}},
        {"source": "erp", "id": "1", "segment": "business", "identities": {"email": "e"}},
    ]
    default = stitch(customers, StitchConfig(identity_keys=["email"]))
    assert default.person_segments[0] == "consumer"  # name order: crm before erp
    preferred = stitch(
        customers,
        StitchConfig(identity_keys=["email"], segment_priority=["erp"]),
        extra_records=[("survey", "s1")],
    )
    assert preferred.explain("crm", "1").segment == "business"
    assert preferred.person_of("survey", "s1") == "survey:s1"
    assert preferred.n_records == 3 and preferred.n_customer_records == 2
    with pytest.raises(KeyError, match="no customer record"):
        preferred.explain("survey", "nobody")


def test_no_identity_keys_means_one_person_per_record() -> None:
    result = stitch(
        [
            {"source": "a", "id": "1", "identities": {"email": "e"}},
            {"source": "b", "id": "1", "identities": {"email": "e"}},
        ]
    )
    assert result.n_persons == 2 and result.decisions == ()


def test_as_dict_is_json_and_identities_may_be_json_text() -> None:
    result = stitch(
        [
            {"source": "a", "id": "1", "identities": '{"email": "e"}'},
            {"source": "b", "id": "1", "identities": {"email": "e"}},
        ],
        StitchConfig(identity_keys=["email"]),
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["n_persons"] == 1
    assert data["decisions"] == [
        {"key": "email", "value": "e", "records": ["a:1", "b:1"], "merged": True}
    ]
    assert "persons" not in data  # per-person lists stay in the object, not the JSON


def test_events_of_stitched_records_are_one_persons_journey(records: Any) -> None:
    records.customer("c1", source="crm", email="h1", segment="business")
    records.customer("u1", source="desk", email="h1")
    records.customer("u2", source="desk", email="h2")
    records.event("c1", 1, "discover", source="crm")
    records.event("u1", 2, "support", "chat", "ticket.created", source="desk", ji="T1")
    records.event("u2", 3, "support", "chat", "ticket.created", source="desk", ji="T2")
    records.event(None, 4, "support", "chat", "ticket.created", source="desk", ji="T3")
    log = records.log(config=LoadConfig(stitch=StitchConfig(identity_keys=["email"])))
    persons = [log.stitching.persons[p] for p in log.person]
    assert persons == ["crm:c1", "crm:c1", "desk:u2"]
    assert log.unattributed == 1
    assert log.segments[log.person_segment[log.person[0]]] == "business"
