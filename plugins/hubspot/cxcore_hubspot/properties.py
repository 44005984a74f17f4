"""What the plugin knows about HubSpot properties: which to request, which are personal.

HubSpot returns only the properties a request names. Asking for a fixed list would hide every
property an account adds later (custom fields, new HubSpot fields), so by default the plugin
reads the object's property definitions from the properties API
(``GET /crm/v3/properties/{object}``) at the start of each sync and requests all of them; a
property that appears tomorrow lands in the cxcore record's ``attributes`` without a code
change. The same definitions give the options of enumerations (lifecycle stages, deal and
ticket pipeline stages, survey types) with their labels, so customised lifecycle stages are
read from the account rather than hard-coded.

Personal data is kept out unless the source's ``pii`` setting is ``clear``: the properties
below, any property HubSpot marks as sensitive data, and phone-number fields are neither
requested nor stored. Identifiers needed for stitching (e-mail, phone) are requested and
stored as keyed hashes only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "CORE_PROPERTIES",
    "IDENTITY_PROPERTIES",
    "MODIFIED_PROPERTY",
    "Definitions",
    "is_personal",
]

#: The last-modified property the incremental search filters on, per object type.
MODIFIED_PROPERTY: Mapping[str, str] = {
    "contacts": "lastmodifieddate",
    "deals": "hs_lastmodifieddate",
    "tickets": "hs_lastmodifieddate",
    "feedback_submissions": "hs_lastmodifieddate",
}

#: Properties the mapping reads, requested even when ``properties`` restricts the list.
CORE_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "contacts": (
        "createdate",
        "lastmodifieddate",
        "lifecyclestage",
        "hs_lead_status",
        "total_revenue",
    ),
    "deals": (
        "createdate",
        "hs_lastmodifieddate",
        "dealname",
        "dealstage",
        "pipeline",
        "amount",
        "deal_currency_code",
        "closedate",
        "hs_is_closed",
        "hs_is_closed_won",
    ),
    "tickets": (
        "createdate",
        "hs_lastmodifieddate",
        "subject",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_priority",
        "hs_ticket_category",
        "source_type",
        "closed_date",
        "time_to_close",
        "time_to_first_agent_reply",
    ),
    "feedback_submissions": (
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_survey_type",
        "hs_survey_id",
        "hs_survey_name",
        "hs_survey_channel",
        "hs_value",
        "hs_response_group",
        "hs_sentiment",
        "hs_content",
        "hs_contact_id",
        "hs_submission_timestamp",
        "hs_engagement_id",
    ),
}

#: Personal identifiers turned into keyed hashes (requested unless ``pii = "drop"``).
IDENTITY_PROPERTIES: Mapping[str, Mapping[str, str]] = {
    "contacts": {"email": "email", "phone": "phone", "mobilephone": "phone"},
}

# Properties about a person rather than the relationship: names, contact details, free text
# written by or about them. Exact names first, then fragments that only personal fields use.
_PERSONAL_NAMES = frozenset(
    {
        "firstname",
        "lastname",
        "salutation",
        "address",
        "city",
        "zip",
        "fax",
        "message",
        "date_of_birth",
        "hs_additional_emails",
        "hs_avatar_filemanager_key",
        "hs_searchable_calculated_mobile_number",
        "hs_searchable_calculated_phone_number",
        "hs_full_name_or_email",
        "content",  # a ticket's body: customers' own words, often with their details
        "hs_submission_name",  # "NPS response from <full name>"
        "hs_visitor_id",
        "hs_contact_email_rollup",
    }
)
_PERSONAL_FRAGMENTS = re.compile(
    r"email|phone|firstname|lastname|fullname|full_name|address|birth|linkedin|twitter|"
    r"facebook|instagram|ip_city|ip_state|ip_country|ip_zip|ipaddress|ip_address|_ip$"
)
_SENSITIVE = frozenset({"sensitive", "highly_sensitive"})


def is_personal(name: str, definition: Mapping[str, Any] | None = None) -> bool:
    """Whether a property holds personal data (kept only with ``pii = "clear"``)."""
    if name in _PERSONAL_NAMES or _PERSONAL_FRAGMENTS.search(name):
        return True
    if definition is None:
        return False
    return (
        str(definition.get("dataSensitivity", "")).lower() in _SENSITIVE
        or definition.get("fieldType") == "phonenumber"
    )


@attrs.frozen
class Option:
    """One option of an enumeration property."""

    value: str
    label: str
    order: int


@attrs.define
class Definitions:
    """The property definitions of one object type, as the properties API returned them."""

    object_type: str
    by_name: dict[str, Mapping[str, Any]] = attrs.field(factory=dict)

    @classmethod
    def from_results(cls, object_type: str, results: Iterable[Any]) -> Definitions:
        """Build from ``GET /crm/v3/properties/{object}``'s ``results``."""
        by_name: dict[str, Mapping[str, Any]] = {}
        for item in results:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                by_name[item["name"]] = item
        return cls(object_type, by_name)

    def options(self, name: str) -> list[Option]:
        """Options of an enumeration property, in HubSpot's display order."""
        definition = self.by_name.get(name) or {}
        out = []
        for index, option in enumerate(definition.get("options") or ()):
            if not isinstance(option, Mapping) or option.get("value") in (None, ""):
                continue
            order = option.get("displayOrder")
            out.append(
                Option(
                    value=str(option["value"]),
                    label=str(option.get("label") or option["value"]),
                    order=order if isinstance(order, int) else index,
                )
            )
        return sorted(out, key=lambda o: (o.order, o.value))

    def label(self, name: str, value: Any) -> str | None:
        """The label of ``value`` among ``name``'s options (``None`` if it is not one)."""
        if value is None:
            return None
        for option in self.options(name):
            if option.value == str(value):
                return option.label
        return None

    def requested(
        self,
        *,
        pii: str,
        only: Sequence[str] | None = None,
        extra: Iterable[str] = (),
    ) -> list[str]:
        """The properties to ask for: all defined ones (or ``only``) plus the core ones,
        without personal data unless ``pii`` is ``clear`` (identifiers stay unless ``drop``).
        """
        core = CORE_PROPERTIES.get(self.object_type, ())
        identities = IDENTITY_PROPERTIES.get(self.object_type, {})
        base = list(only) if only is not None else list(self.by_name)
        names = list(dict.fromkeys([*core, *base, *extra]))
        out = []
        for name in names:
            if name in identities:
                if pii != "drop":
                    out.append(name)
            elif pii == "clear" or not is_personal(name, self.by_name.get(name)):
                out.append(name)
        for name in identities:
            if pii != "drop" and name not in out:
                out.append(name)
        return out
