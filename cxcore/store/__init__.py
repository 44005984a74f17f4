"""Stores: where validated records, rejected records and sync state live."""

from .base import RejectedRecord, Store, SyncState, WriteResult
from .duckdb import DuckDBStore

__all__ = ["DuckDBStore", "RejectedRecord", "Store", "SyncState", "WriteResult"]
