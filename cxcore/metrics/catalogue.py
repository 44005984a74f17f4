"""The standard KPI catalogue: 22 metrics over the record contract of ``docs/metrics.md``.

Each entry is a factory taking the metric's settings from ``cxcore.toml`` (``[metrics.<id>]``)
as keyword arguments and returning a calculator. The built-in ``catalogue`` plugin
(:mod:`cxcore.builtins.catalogue`) registers them through the ``cxcore_metrics`` hook, like
any third-party plugin.

Record contract (what each metric reads) in short; the full table is in ``docs/metrics.md``:

* survey answers: ``response`` records whose ``item`` names the question (``nps``, ``csat``,
  ``ces``, ``enps``, ``engagement``, ``loyalty*``, ``repurchase_intention``,
  ``switch_intention``) on a stated scale;
* support: ``interaction`` records of type ``ticket.created`` and ``ticket.solved``
  (``journey_instance`` = ticket id), durations ``first_reply`` and ``full_resolution`` in
  seconds, attributes ``agent_replies``, ``reopens``, ``sla_met``; contacts of type
  ``contact`` or ``ticket.created``;
* commerce: ``purchase`` (attribute ``referral``), ``cart.created`` / ``order.placed``,
  ``cost.marketing`` / ``cost.sales`` (attribute ``amount``);
* customers: ``created_at``, ``attributes.churned_at``, ``attributes.revenue``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal

from ..model import NPS_SCALE, Bucket, Scale
from ..model.scale import Direction
from .calculator import Calculator
from .calculators import (
    BucketIndexCalculator,
    DurationCalculator,
    FieldMeanCalculator,
    FollowUpCalculator,
    LifecycleCalculator,
    Measure,
    RatioCalculator,
    RepeatCalculator,
    ScoreMeanCalculator,
    TopBoxCalculator,
    linear_transform,
    points_transform,
)
from .definition import MetricDefinition
from .errors import MetricDefinitionError
from .filters import Condition, Filter
from .settings import as_filter, as_items, as_number, as_scale, both, top_two_box, types_filter

__all__ = ["CATALOGUE", "CES_VARIANTS", "ENGAGEMENT_SCALE", "catalogue_ids"]

#: CES scales in use: CES 2.0 agreement (default), CES 1.0 effort, and the seed's 1-10.
CES_VARIANTS: Final[Mapping[str, Scale]] = {
    "ces2": Scale(min=1, max=7, direction="higher_is_better"),
    "ces1": Scale(min=1, max=5, direction="lower_is_better"),
    "seed": Scale(min=1, max=10, direction="higher_is_better"),
}
#: The seed's engagement points: 9-10 -> 100, 7-8 -> 80, 5-6 -> 60, 3-4 -> 40, 1-2 -> 20.
ENGAGEMENT_SCALE: Final = Scale(
    min=1,
    max=10,
    buckets=(
        Bucket(name="1-2", low=1, high=2, weight=20),
        Bucket(name="3-4", low=3, high=4, weight=40),
        Bucket(name="5-6", low=5, high=6, weight=60),
        Bucket(name="7-8", low=7, high=8, weight=80),
        Bucket(name="9-10", low=9, high=10, weight=100),
    ),
)
_SURVEY = ("item", "value", "scale")


def _where(settings: Mapping[str, Any], metric: str) -> Filter:
    return as_filter(settings.get("where"), f"metric {metric!r}: where")


def _fields(*filters: Filter) -> tuple[str, ...]:
    out: list[str] = []
    for f in filters:
        for name in sorted(f.fields()):
            if name not in out:
                out.append(name)
    return tuple(out)


def _scale_label(scale: Scale) -> str:
    better = "higher" if scale.direction == "higher_is_better" else "lower"
    return f"{scale.min:g}-{scale.max:g}, {better} is better"


# -- perception and consequence (survey answers) -------------------------------------------


def _bucket_index(
    metric: str,
    label: str,
    item: str,
    suppress: int | None,
    description: str,
    *,
    items: Any = None,
    where: Any = None,
) -> Calculator:
    extra = _where({"where": where}, metric)
    definition = MetricDefinition(
        id=metric,
        label=label,
        description=description,
        unit="points",
        record_kinds=("response",),
        requires=_SURVEY + _fields(extra),
        scale=NPS_SCALE,
        value_range=(-100.0, 100.0),
        uncertainty="adjusted_wald",
        suppress_below=suppress,
    )
    return BucketIndexCalculator(
        definition, items=as_items(items, (item,), f"metric {metric!r}"), where=extra
    )


def nps(*, items: Any = None, where: Any = None) -> Calculator:
    """Net Promoter Score: % promoters (9-10) - % detractors (0-6) on 0-10, in points."""
    return _bucket_index(
        "nps",
        "Net Promoter Score",
        "nps",
        None,
        "Likelihood to recommend, 0-10: % promoters (9-10) minus % detractors (0-6), "
        "-100..100 points; adjusted-Wald interval.",
        items=items,
        where=where,
    )


def enps(*, items: Any = None, where: Any = None) -> Calculator:
    """Employee NPS: same buckets as NPS; groups under 5 answers are suppressed."""
    return _bucket_index(
        "enps",
        "Employee Net Promoter Score",
        "enps",
        5,
        "Likelihood to recommend the organisation as a place to work, 0-10, scored like "
        "NPS; groups under 5 answers are suppressed.",
        items=items,
        where=where,
    )


def _top_box(
    metric: str,
    label: str,
    item: str,
    description: str,
    direction: Direction,
    *,
    items: Any,
    scale: Any,
    top_min: Any,
    where: Any,
    default_scale: Scale,
) -> Calculator:
    sc = as_scale(scale, f"metric {metric!r}") or default_scale
    top = top_two_box(sc) if top_min is None else as_number(top_min, f"metric {metric!r}: top_min")
    extra = _where({"where": where}, metric)
    definition = MetricDefinition(
        id=metric,
        label=label,
        description=f"{description} Scale {_scale_label(sc)}; top box: {top:g} and above.",
        unit="percent",
        record_kinds=("response",),
        requires=_SURVEY + _fields(extra),
        scale=sc,
        direction=direction,
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return TopBoxCalculator(
        definition,
        top_min=top,
        items=as_items(items, (item,), f"metric {metric!r}"),
        where=extra,
    )


def csat(
    *, items: Any = None, scale: Any = None, top_min: Any = None, where: Any = None
) -> Calculator:
    """CSAT: satisfied answers (top two boxes) / all answers x 100."""
    return _top_box(
        "csat",
        "Customer satisfaction (CSAT)",
        "csat",
        "Satisfied respondents over all respondents, in %; Wilson interval.",
        "higher_is_better",
        items=items,
        scale=scale,
        top_min=top_min,
        where=where,
        default_scale=Scale(min=1, max=5),
    )


def repurchase_intention(
    *, items: Any = None, scale: Any = None, top_min: Any = None, where: Any = None
) -> Calculator:
    """Share of respondents likely to buy again (top two boxes)."""
    return _top_box(
        "repurchase_intention",
        "Repurchase intention",
        "repurchase_intention",
        "Share of respondents who say they will likely buy again, in %.",
        "higher_is_better",
        items=items,
        scale=scale,
        top_min=top_min,
        where=where,
        default_scale=Scale(min=1, max=5),
    )


def switch_intention(
    *, items: Any = None, scale: Any = None, top_min: Any = None, where: Any = None
) -> Calculator:
    """Share of respondents likely to switch to a competitor (lower is better)."""
    return _top_box(
        "switch_intention",
        "Intention to switch",
        "switch_intention",
        "Share of respondents who say they will likely switch to a competitor, in % "
        "(lower is better).",
        "lower_is_better",
        items=items,
        scale=scale,
        top_min=top_min,
        where=where,
        default_scale=Scale(min=1, max=5),
    )


def ces(
    *, items: Any = None, scale: Any = None, variant: str | None = None, where: Any = None
) -> Calculator:
    """Customer Effort Score: mean answer on a stated scale (default CES 2.0, 1-7)."""
    if scale is not None and variant is not None:
        raise MetricDefinitionError("metric 'ces': give a scale or a variant, not both")
    if variant is not None and variant not in CES_VARIANTS:
        raise MetricDefinitionError(
            f"metric 'ces': unknown variant {variant!r}; expected {', '.join(CES_VARIANTS)}"
        )
    sc = as_scale(scale, "metric 'ces'") or CES_VARIANTS[variant or "ces2"]
    extra = _where({"where": where}, "ces")
    definition = MetricDefinition(
        id="ces",
        label=f"Customer Effort Score ({_scale_label(sc)})",
        description="Sum of effort scores over respondents (the mean answer) on the stated "
        "scale; t interval. Answers on any other scale are refused. Part 'normalised' puts "
        "it on 0-100 with 100 = least effort.",
        unit="score",
        record_kinds=("response",),
        requires=_SURVEY + _fields(extra),
        scale=sc,
        direction=sc.direction,
        value_range=(sc.min, sc.max),
        uncertainty="t",
    )
    return ScoreMeanCalculator(
        definition, items=as_items(items, ("ces",), "metric 'ces'"), where=extra
    )


def employee_engagement(*, items: Any = None, scale: Any = None, where: Any = None) -> Calculator:
    """Engagement score: answers mapped to points (9-10 -> 100 ...), summed / answers."""
    sc = as_scale(scale, "metric 'employee_engagement'") or ENGAGEMENT_SCALE
    extra = _where({"where": where}, "employee_engagement")
    definition = MetricDefinition(
        id="employee_engagement",
        label="Employee engagement score",
        description="Answers on 1-10 mapped to points (9-10 -> 100, 7-8 -> 80, 5-6 -> 60, "
        "3-4 -> 40, 1-2 -> 20), total points over the number of answers; groups under 5 "
        "answers are suppressed.",
        unit="points",
        record_kinds=("response",),
        requires=_SURVEY + _fields(extra),
        scale=sc,
        value_range=(0.0, 100.0),
        uncertainty="t",
        suppress_below=5,
    )
    transform = points_transform(sc, sc.points, "metric 'employee_engagement'")
    return ScoreMeanCalculator(
        definition,
        transform=transform,
        items=as_items(items, ("engagement",), "metric 'employee_engagement'"),
        where=extra,
    )


def loyalty_index(*, items: Any = None, scale: Any = None, where: Any = None) -> Calculator:
    """Loyalty index: loyalty questions on 1-10 mapped linearly (10 -> 100, 1 -> 0), averaged."""
    sc = as_scale(scale, "metric 'loyalty_index'") or Scale(min=1, max=10)
    extra = _where({"where": where}, "loyalty_index")
    definition = MetricDefinition(
        id="loyalty_index",
        label="Customer loyalty index",
        description="Loyalty questions (items loyalty*, e.g. likelihood to buy again) on "
        "1-10, each mapped linearly 10 -> 100 and 1 -> 0, averaged over all answers.",
        unit="points",
        record_kinds=("response",),
        requires=_SURVEY + _fields(extra),
        scale=sc,
        value_range=(0.0, 100.0),
        uncertainty="t",
    )
    return ScoreMeanCalculator(
        definition,
        transform=linear_transform(sc),
        items=as_items(items, ("loyalty*",), "metric 'loyalty_index'"),
        where=extra,
    )


# -- customers and money ---------------------------------------------------------------------


def _lifecycle(
    metric: str,
    mode: Literal["churn", "retention"],
    label: str,
    description: str,
    direction: Direction,
    churned_field: str,
    where: Any,
) -> Calculator:
    extra = _where({"where": where}, metric)
    definition = MetricDefinition(
        id=metric,
        label=label,
        description=description,
        unit="percent",
        record_kinds=("customer",),
        requires=("created_at", churned_field) + _fields(extra),
        direction=direction,
        value_range=(0.0, 100.0),
        uncertainty="wilson",
        cumulative=True,
        time_field="created_at",
    )
    return LifecycleCalculator(
        definition,
        mode=mode,
        churned_field=churned_field,
        where=extra,
    )


def churn_rate(*, churned_field: str = "attributes.churned_at", where: Any = None) -> Calculator:
    """Customers lost in the period / customers at its start x 100."""
    return _lifecycle(
        "churn_rate",
        "churn",
        "Churn rate",
        "Customers lost during the period over customers at its start, in % (customers "
        "acquired during the period are in neither); needs a grain or a period.",
        "lower_is_better",
        churned_field,
        where,
    )


def retention_rate(
    *, churned_field: str = "attributes.churned_at", where: Any = None
) -> Calculator:
    """(customers at end - new customers) / customers at start x 100."""
    return _lifecycle(
        "retention_rate",
        "retention",
        "Retention rate",
        "(Customers at the end of the period minus those acquired during it) over "
        "customers at its start, in %; needs a grain or a period.",
        "higher_is_better",
        churned_field,
        where,
    )


def clv(*, field: str = "attributes.revenue", where: Any = None) -> Calculator:
    """Historical CLV: mean revenue per customer to date (part ``total``: all customers)."""
    extra = _where({"where": where}, "clv")
    definition = MetricDefinition(
        id="clv",
        label="Customer lifetime value (historical)",
        description=f"Revenue a customer brought over the relationship ({field}), averaged "
        "over customers; part 'total' is the sum over them.",
        unit="currency",
        record_kinds=("customer",),
        requires=(field,) + _fields(extra),
        uncertainty="t",
        time_field="created_at",
    )
    return FieldMeanCalculator(definition, field=field, where=extra)


def cac(
    *,
    cost_types: Sequence[str] = ("cost.marketing", "cost.sales"),
    amount_field: str = "attributes.amount",
    where: Any = None,
) -> Calculator:
    """Sales and marketing cost in the period / customers acquired in it."""
    cost = both(types_filter(cost_types), _where({"where": where}, "cac"))
    definition = MetricDefinition(
        id="cac",
        label="Customer acquisition cost",
        description="Sales and marketing cost (interactions of type "
        f"{', '.join(cost_types)}, {amount_field}) over customers acquired (created) in "
        "the same group and period.",
        unit="currency",
        record_kinds=("interaction", "customer"),
        requires=("type", amount_field, "created_at"),
        direction="lower_is_better",
    )
    return RatioCalculator(
        definition,
        numerator=Measure(kind="interaction", where=cost, sum=amount_field),
        denominator=Measure(kind="customer"),
        within=False,
        multiplier=1.0,
    )


def referral_rate(
    *,
    types: Sequence[str] = ("purchase",),
    referral_field: str = "attributes.referral",
    where: Any = None,
) -> Calculator:
    """Purchases from referrals / all purchases x 100."""
    purchases = both(types_filter(types), _where({"where": where}, "referral_rate"))
    definition = MetricDefinition(
        id="referral_rate",
        label="Referral rate",
        description=f"Purchases ({', '.join(types)}) made on a referral ({referral_field} "
        "true) over all purchases, in %.",
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", referral_field) + _fields(purchases),
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return RatioCalculator(
        definition,
        numerator=Measure(kind="interaction", where=Condition(referral_field, "eq", True)),
        denominator=Measure(kind="interaction", where=purchases),
    )


# -- support operations ----------------------------------------------------------------------


def _duration(
    metric: str, label: str, field: str, statistic: str, description: str, where: Any
) -> Calculator:
    extra = _where({"where": where}, metric)
    definition = MetricDefinition(
        id=metric,
        label=label,
        description=description,
        unit="seconds",
        record_kinds=("interaction",),
        requires=(f"durations.{field}",) + _fields(extra),
        direction="lower_is_better",
        uncertainty="t" if statistic == "mean" else "order_statistic",
    )
    return DurationCalculator(
        definition, field=f"durations.{field}", where=extra, statistic=statistic
    )


def avg_resolution_time(*, field: str = "full_resolution", where: Any = None) -> Calculator:
    """Total time to resolve / requests resolved (mean of durations.full_resolution)."""
    return _duration(
        "avg_resolution_time",
        "Average resolution time",
        field,
        "mean",
        f"Total time to resolve over requests resolved: the mean of durations.{field} "
        "(seconds) of resolved tickets; t interval. Parts: median, p90.",
        where,
    )


def first_reply_time(
    *, field: str = "first_reply", statistic: str = "median", where: Any = None
) -> Calculator:
    """Median time to the first public agent reply (durations.first_reply)."""
    return _duration(
        "first_reply_time",
        "First reply time",
        field,
        statistic,
        f"The {statistic} of durations.{field}: seconds from ticket creation to the first "
        "public agent reply. Parts: mean, median, p90.",
        where,
    )


def full_resolution_time(
    *, field: str = "full_resolution", statistic: str = "median", where: Any = None
) -> Calculator:
    """Median time from creation to the final resolution (durations.full_resolution)."""
    return _duration(
        "full_resolution_time",
        "Full resolution time",
        field,
        statistic,
        f"The {statistic} of durations.{field}: seconds from ticket creation to its last "
        "solve (reopen cycles included). Parts: mean, median, p90.",
        where,
    )


def _solved_share(
    metric: str,
    label: str,
    success: Filter,
    description: str,
    direction: Direction,
    types: Sequence[str],
    where: Any,
    extra_requires: Sequence[str],
) -> Calculator:
    solved = both(types_filter(types), _where({"where": where}, metric))
    definition = MetricDefinition(
        id=metric,
        label=label,
        description=description,
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", *extra_requires) + _fields(solved),
        direction=direction,
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return RatioCalculator(
        definition,
        numerator=Measure(kind="interaction", where=success),
        denominator=Measure(kind="interaction", where=solved),
    )


def one_touch_resolution(
    *,
    types: Sequence[str] = ("ticket.solved",),
    replies_field: str = "attributes.agent_replies",
    where: Any = None,
) -> Calculator:
    """Solved tickets with fewer than 2 public agent replies / solved tickets x 100."""
    return _solved_share(
        "one_touch_resolution",
        "One-touch resolution",
        Condition(replies_field, "lt", 2),
        f"Solved tickets resolved with fewer than two public agent replies ({replies_field}; "
        "zero-reply solves included) over solved tickets, in %.",
        "higher_is_better",
        types,
        where,
        (replies_field,),
    )


def reopen_rate(
    *,
    types: Sequence[str] = ("ticket.solved",),
    reopens_field: str = "attributes.reopens",
    where: Any = None,
) -> Calculator:
    """Solved tickets reopened at least once / solved tickets x 100."""
    return _solved_share(
        "reopen_rate",
        "Reopen rate",
        Condition(reopens_field, "gte", 1),
        f"Solved tickets reopened at least once ({reopens_field} >= 1) over solved tickets, in %.",
        "lower_is_better",
        types,
        where,
        (reopens_field,),
    )


def sla_attainment(
    *,
    types: Sequence[str] = ("ticket.solved",),
    flag_field: str = "attributes.sla_met",
    duration: str | None = None,
    target_seconds: float | None = None,
    where: Any = None,
) -> Calculator:
    """Tickets that met their SLA / tickets with an SLA x 100.

    By default reads the source's verdict (``attributes.sla_met``); with ``duration`` and
    ``target_seconds`` it judges ``durations.<duration> <= target`` itself.
    """
    if (duration is None) != (target_seconds is None):
        raise MetricDefinitionError(
            "metric 'sla_attainment': give both duration and target_seconds, or neither"
        )
    if duration is not None and target_seconds is not None:
        field = f"durations.{duration}"
        target = as_number(target_seconds, "metric 'sla_attainment': target_seconds", minimum=0)
        has_sla: Filter = Condition(field, "exists", True)
        success: Filter = Condition(field, "lte", target)
        text = f"{field} within {target:g} s"
        reads = (field,)
    else:
        has_sla = Condition(flag_field, "exists", True)
        success = Condition(flag_field, "eq", True)
        text = f"{flag_field} true"
        reads = (flag_field,)
    base = both(types_filter(types), _where({"where": where}, "sla_attainment"))
    definition = MetricDefinition(
        id="sla_attainment",
        label="SLA attainment",
        description=f"Tickets that met their SLA ({text}) over tickets with an SLA, in %.",
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", *reads) + _fields(base),
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return RatioCalculator(
        definition,
        numerator=Measure(kind="interaction", where=success),
        denominator=Measure(kind="interaction", where=both(base, has_sla)),
    )


def ticket_resolution_rate(
    *,
    created: str = "ticket.created",
    solved: str = "ticket.solved",
    key: Sequence[str] = ("journey_instance",),
    window_hours: float | None = None,
) -> Calculator:
    """Tickets created that were solved (by now, or within a window) / tickets created x 100."""
    definition = MetricDefinition(
        id="ticket_resolution_rate",
        label="Ticket resolution rate",
        description=f"Tickets created ({created}) that have a {solved} event with the same "
        f"{', '.join(key)}"
        + (f" within {window_hours:g} h" if window_hours is not None else "")
        + " over tickets created, in %, in the period the ticket was created.",
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", "occurred_at", *key),
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return FollowUpCalculator(
        definition,
        base=types_filter(created),
        follow=types_filter(solved),
        key=key,
        window_hours=window_hours,
    )


def cart_abandonment_rate(
    *,
    created: str = "cart.created",
    ordered: str = "order.placed",
    key: Sequence[str] = ("journey_instance",),
    window_hours: float = 24.0,
) -> Calculator:
    """Carts with no order within the window / carts created x 100."""
    definition = MetricDefinition(
        id="cart_abandonment_rate",
        label="Cart abandonment rate",
        description=f"Carts ({created}) with no {ordered} of the same {', '.join(key)} "
        f"within {window_hours:g} h, over carts created, in %.",
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", "occurred_at", *key),
        direction="lower_is_better",
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return FollowUpCalculator(
        definition,
        base=types_filter(created),
        follow=types_filter(ordered),
        key=key,
        window_hours=window_hours,
        invert=True,
    )


def repeat_contact_rate(
    *,
    types: Sequence[str] = ("contact", "ticket.created"),
    key: Sequence[str] = ("customer_id", "attributes.issue"),
    window_hours: float = 168.0,
) -> Calculator:
    """Contacts followed by another one from the same customer (same issue) within 7 days."""
    definition = MetricDefinition(
        id="repeat_contact_rate",
        label="Repeat contact rate",
        description=f"Contacts ({', '.join(types)}) followed by another contact with the same "
        f"{' + '.join(key)} within {window_hours:g} h, over contacts, in %.",
        unit="percent",
        record_kinds=("interaction",),
        requires=("type", "occurred_at", *key),
        direction="lower_is_better",
        value_range=(0.0, 100.0),
        uncertainty="wilson",
    )
    return RepeatCalculator(
        definition, contacts=types_filter(types), key=key, window_hours=window_hours
    )


#: id -> factory; every factory takes the metric's settings as keyword arguments.
CATALOGUE: Final[Mapping[str, Callable[..., Calculator]]] = {
    "nps": nps,
    "csat": csat,
    "ces": ces,
    "clv": clv,
    "referral_rate": referral_rate,
    "churn_rate": churn_rate,
    "retention_rate": retention_rate,
    "employee_engagement": employee_engagement,
    "loyalty_index": loyalty_index,
    "cac": cac,
    "avg_resolution_time": avg_resolution_time,
    "first_reply_time": first_reply_time,
    "full_resolution_time": full_resolution_time,
    "one_touch_resolution": one_touch_resolution,
    "reopen_rate": reopen_rate,
    "repeat_contact_rate": repeat_contact_rate,
    "sla_attainment": sla_attainment,
    "ticket_resolution_rate": ticket_resolution_rate,
    "cart_abandonment_rate": cart_abandonment_rate,
    "repurchase_intention": repurchase_intention,
    "switch_intention": switch_intention,
    "enps": enps,
}


def catalogue_ids() -> list[str]:
    """The ids of the standard catalogue, in the order of the issue."""
    return list(CATALOGUE)
