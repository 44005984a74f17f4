"""cxcore: an embeddable plugin framework for customer-experience data.

The public API is what this module exports; everything else may change between minor versions.
Importing cxcore never loads plugins: a :class:`Workspace` (or :class:`PluginManager`) does.
"""

from ._version import __version__
from .config import ProjectConfig, load_config
from .errors import (
    AuthError,
    ConfigError,
    CxcoreError,
    FieldError,
    PluginCallError,
    PluginError,
    PluginLoadError,
    PluginValidationError,
    RecordValidationError,
    SchemaError,
    SourceError,
    StoreBusyError,
    StoreError,
    TransportError,
)
from .events import RecordsRejected, RecordsStored
from .hookspecs import hookimpl
from .ingest import IngestSummary
from .model import (
    NPS_SCALE,
    Bucket,
    Channel,
    Customer,
    Interaction,
    Journey,
    Response,
    Scale,
    Segment,
    Stage,
    Touchpoint,
    from_dict,
    to_dict,
)
from .plugins import PluginManager
from .schemas import SchemaRegistry
from .store import DuckDBStore, RejectedRecord, Store, SyncState, WriteResult
from .types import MetricSpec, PluginFailure, PluginInfo, SchemaSpec, SourceSpec, StoreSpec
from .workspace import Workspace

__all__ = [
    "NPS_SCALE",
    "AuthError",
    "Bucket",
    "Channel",
    "ConfigError",
    "Customer",
    "CxcoreError",
    "DuckDBStore",
    "FieldError",
    "IngestSummary",
    "Interaction",
    "Journey",
    "MetricSpec",
    "PluginCallError",
    "PluginError",
    "PluginFailure",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "PluginValidationError",
    "ProjectConfig",
    "RecordValidationError",
    "RecordsRejected",
    "RecordsStored",
    "RejectedRecord",
    "Response",
    "Scale",
    "SchemaError",
    "SchemaRegistry",
    "SchemaSpec",
    "Segment",
    "SourceError",
    "SourceSpec",
    "Stage",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreSpec",
    "SyncState",
    "Touchpoint",
    "TransportError",
    "Workspace",
    "WriteResult",
    "__version__",
    "from_dict",
    "hookimpl",
    "load_config",
    "to_dict",
]
