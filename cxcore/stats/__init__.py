"""Statistics for the cxcore metric engine: intervals, tests, driver weights and IPA.

numpy is the only runtime dependency (scipy is used in the tests, as an independent check).
Functions accept numpy arrays of groups and broadcast; all-scalar calls return floats.
See cx-metrics.md sections 3.1-3.12 for the formulas and the worked values they reproduce.
"""

from cxcore.stats.distributions import norm_cdf, norm_ppf, norm_sf, t_cdf, t_ppf, t_sf
from cxcore.stats.drivers import DriverMethod, RelativeWeights, relative_weights
from cxcore.stats.intervals import mean_t, nps_adjusted_wald, wilson
from cxcore.stats.ipa import (
    CONCENTRATE_HERE,
    KEEP_UP_THE_GOOD_WORK,
    LOW_PRIORITY,
    POSSIBLE_OVERKILL,
    Crosshair,
    IPAItem,
    IPAResult,
    Quadrant,
    crosshair,
    ipa,
    normalise,
)
from cxcore.stats.significance import nps_change_z, two_proportion_z, welch_t

__all__ = [
    "CONCENTRATE_HERE",
    "KEEP_UP_THE_GOOD_WORK",
    "LOW_PRIORITY",
    "POSSIBLE_OVERKILL",
    "Crosshair",
    "DriverMethod",
    "IPAItem",
    "IPAResult",
    "Quadrant",
    "RelativeWeights",
    "crosshair",
    "ipa",
    "mean_t",
    "norm_cdf",
    "norm_ppf",
    "norm_sf",
    "normalise",
    "nps_adjusted_wald",
    "nps_change_z",
    "relative_weights",
    "t_cdf",
    "t_ppf",
    "t_sf",
    "two_proportion_z",
    "welch_t",
    "wilson",
]
