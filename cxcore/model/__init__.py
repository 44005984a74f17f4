"""The cxcore domain model: journeys and the records that flow through them."""

from .convert import format_timestamp, from_dict, parse_timestamp, to_dict
from .journey import PILLARS, Channel, Journey, Pillar, Segment, Stage, Touchpoint
from .records import RECORD_KINDS, Customer, Interaction, Record, RecordKind, Response
from .scale import NPS_SCALE, Bucket, Direction, Scale

__all__ = [
    "NPS_SCALE",
    "PILLARS",
    "RECORD_KINDS",
    "Bucket",
    "Channel",
    "Customer",
    "Direction",
    "Interaction",
    "Journey",
    "Pillar",
    "Record",
    "RecordKind",
    "Response",
    "Scale",
    "Segment",
    "Stage",
    "Touchpoint",
    "format_timestamp",
    "from_dict",
    "parse_timestamp",
    "to_dict",
]
