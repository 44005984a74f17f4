"""Built-in plugin: the standard KPI catalogue (NPS, CSAT, CES ... eNPS).

It registers through the ``cxcore.plugins`` entry point and the ``cxcore_metrics`` hook like
any third-party plugin; disable it (``[plugins] disable = ["catalogue"]``) to run with your
own metrics only.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..hookspecs import hookimpl
from ..metrics.catalogue import CATALOGUE
from ..types import MetricSpec


@hookimpl
def cxcore_metrics() -> Iterator[MetricSpec]:
    for name, factory in CATALOGUE.items():
        summary = (factory.__doc__ or "").strip().splitlines()
        yield MetricSpec(name=name, factory=factory, description=summary[0] if summary else "")
