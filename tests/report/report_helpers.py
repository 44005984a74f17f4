"""Test helpers for the report tests: reading the tables back out of a rendered page."""

from __future__ import annotations

from html.parser import HTMLParser


class Tables(HTMLParser):
    """Collects every ``<table id=...>`` as rows of cell texts (header row included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0  # inside an inline <svg> (its <title> is not cell text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._skip -= 1
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def tables_of(page: str) -> dict[str, list[list[str]]]:
    """``{table id: rows of cell text}`` for every table of an HTML page."""
    parser = Tables()
    parser.feed(page)
    return parser.tables
