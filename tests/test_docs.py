"""Docs meta-tests: the reference pages are checked against the code, so they cannot drift.

Modelled on datasette's ``tests/test_docs.py``: the hook reference must have one section per
hookspec with its exact signature, and nothing else; every JSON/TOML example must validate
against the schema it claims; every ``<!-- run -->`` Python example must run; every schema,
configuration key, CLI command and public class or function must be documented.

Markers (an HTML comment on the line before a fenced block, blank lines allowed between):

* ``<!-- validate: NAME -->`` before a ``json``/``jsonl`` block: each document validates
  against the cxcore schema ``NAME`` (and builds the model object, for the model kinds);
  before a ``toml`` block, ``NAME`` must be ``project-config``.
* ``<!-- validate: syntax -->``: the block only has to parse (a ``pyproject.toml`` excerpt,
  command output).
* ``<!-- run -->`` before a ``python`` block: it runs in a fresh interpreter in an empty
  temporary directory and must exit 0.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import click
import pluggy
import pytest

import cxcore
from cxcore import hookspecs
from cxcore.cli.main import cli
from cxcore.config import ProjectConfig
from cxcore.model import Customer, Interaction, Journey, Response, Touchpoint, from_dict
from cxcore.schemas import SchemaRegistry

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCHEMA_DIR = ROOT / "schemas"
PAGES = sorted(DOCS.glob("*.md"))

#: Schemas whose examples must also build the model object, which checks what JSON Schema
#: cannot: a response value inside its scale, touchpoints pointing at known stages...
MODELS: dict[str, type[Any]] = {
    "journey": Journey,
    "touchpoint": Touchpoint,
    "customer": Customer,
    "interaction": Interaction,
    "response": Response,
}
CHECKED_LANGS = {"json", "jsonl", "toml"}

_MARKER = re.compile(r"^<!--\s*(?P<kind>validate|run)(?::\s*(?P<arg>[\w/\-]+))?\s*-->$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+\-]*)")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


@attrs.frozen
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    marker: str | None  # "run", "validate:<name>" or None
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(page: Path) -> list[Block]:
    """Every fenced code block of a page with the marker comment just above it, if any."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    marker: str | None = None
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        fence = _FENCE.match(stripped)
        if fence:
            close = fence.group("fence")
            body: list[str] = []
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(close):
                body.append(lines[j])
                j += 1
            blocks.append(
                Block(page, i + 1, fence.group("lang").lower(), marker, "\n".join(body) + "\n")
            )
            marker = None
            i = j + 1
            continue
        m = _MARKER.match(stripped)
        if m:
            marker = m.group("kind") + (f":{m.group('arg')}" if m.group("arg") else "")
        elif stripped:
            marker = None  # a marker applies only to the block right below it
        i += 1
    return blocks


ALL_BLOCKS = [b for page in PAGES for b in fenced_blocks(page)]


def headings(page: Path) -> list[tuple[int, str, int]]:
    """(level, text, line index) of every heading outside code blocks."""
    out = []
    in_code = False
    for index, line in enumerate(page.read_text(encoding="utf-8").splitlines()):
        if _FENCE.match(line.strip()):
            in_code = not in_code
            continue
        m = _HEADING.match(line)
        if m and not in_code:
            out.append((len(m.group("level")), m.group("text"), index))
    return out


def section(page: Path, predicate: Any) -> str:
    """The text under the first heading matching ``predicate``, up to the next heading of the
    same or a higher level."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found = headings(page)
    for pos, (level, text, index) in enumerate(found):
        if predicate(text):
            end = next((i for lv, _, i in found[pos + 1 :] if lv <= level), len(lines))
            return "\n".join(lines[index:end])
    raise AssertionError(f"{page.relative_to(ROOT)}: no heading matching the expected one")


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PAGES)


def test_the_docs_exist() -> None:
    names = {p.name for p in PAGES}

    assert {
        "index.md",
        "concepts.md",
        "embedding.md",
        "schemas.md",
        "hooks.md",
        "plugins.md",
        "configuration.md",
        "cli.md",
    } <= names


# -- hook reference ---------------------------------------------------------------------------


def _hookspec_names() -> list[str]:
    # The public pluggy API sees exactly what cxcore registers as specs.
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return sorted(n for n in dir(pm.hook) if not n.startswith("_"))


def _annotation(value: Any) -> str:
    # hookspecs.py uses `from __future__ import annotations`: annotations are their source text.
    return value if isinstance(value, str) else inspect.formatannotation(value)


def hook_signature(name: str) -> str:
    """``cxcore_x(arg: Type) -> Return``, derived from the hookspec itself."""
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(
        p.name if p.annotation is p.empty else f"{p.name}: {_annotation(p.annotation)}"
        for p in sig.parameters.values()
    )
    returns = (
        "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    )
    return f"{name}({params}){returns}"


HOOKS = _hookspec_names()
HOOKS_PAGE = DOCS / "hooks.md"


def test_hookspecs_are_found() -> None:
    assert "cxcore_records_stored" in HOOKS and len(HOOKS) >= 6


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_exact_signature(hook: str) -> None:
    expected = hook_signature(hook)
    documented = [text for level, text, _ in headings(HOOKS_PAGE) if level == 2]

    assert expected in documented, (
        f"docs/hooks.md needs a heading '## {expected}' (the signature in cxcore/hookspecs.py)"
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_section_has_an_example(hook: str) -> None:
    text = section(HOOKS_PAGE, lambda t: t == hook_signature(hook))

    assert "```python" in text, f"the docs/hooks.md section of {hook} has no Python example"


def test_no_heading_documents_a_hook_that_does_not_exist() -> None:
    documented = {
        text.split("(", 1)[0]: text
        for _, text, _ in headings(HOOKS_PAGE)
        if text.startswith("cxcore_")
    }

    unknown = sorted(set(documented) - set(HOOKS))
    stale = sorted(t for n, t in documented.items() if n in HOOKS and t != hook_signature(n))
    assert unknown == [], f"docs/hooks.md documents hooks that do not exist: {unknown}"
    assert stale == [], f"docs/hooks.md headings differ from the hookspecs: {stale}"


# -- examples ---------------------------------------------------------------------------------


def test_every_json_and_toml_example_is_marked() -> None:
    unmarked = [b.where for b in ALL_BLOCKS if b.lang in CHECKED_LANGS and not b.marker]

    assert unmarked == [], (
        "JSON/TOML examples need <!-- validate: SCHEMA --> (or <!-- validate: syntax -->) "
        f"on the line above: {unmarked}"
    )


def test_markers_sit_on_blocks_they_can_check() -> None:
    misplaced = [
        f"{b.where} ({b.marker} on ```{b.lang})"
        for b in ALL_BLOCKS
        if (b.marker == "run" and b.lang != "python")
        or (b.marker and b.marker.startswith("validate") and b.lang not in CHECKED_LANGS)
        or b.marker == "validate"
    ]

    assert misplaced == []


def _documents(block: Block) -> Iterator[Any]:
    if block.lang == "jsonl":
        for line in block.text.splitlines():
            if line.strip():
                yield json.loads(line)
    else:
        yield json.loads(block.text)


VALIDATED = [
    b for b in ALL_BLOCKS if b.marker and b.marker.startswith("validate:") and b.lang != "toml"
]
REGISTRY = SchemaRegistry.builtin()


@pytest.mark.parametrize("block", VALIDATED, ids=lambda b: b.where)
def test_json_example_validates(block: Block) -> None:
    name = block.marker.split(":", 1)[1] if block.marker else ""
    documents = list(_documents(block))  # a syntax error fails here
    if name == "syntax":
        return
    validator = REGISTRY.validator(name)

    for doc in documents:
        errors = [str(e) for e in validator.errors(doc)] if not validator.is_valid(doc) else []
        assert errors == [], f"{block.where}: not valid against {name}: {errors}"
        if name in MODELS:
            from_dict(MODELS[name], {k: v for k, v in doc.items() if k != "kind"})


TOML_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "toml" and b.marker]


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=lambda b: b.where)
def test_toml_example_validates(block: Block) -> None:
    data = tomllib.loads(block.text)
    if block.marker == "validate:syntax":
        return

    assert block.marker == "validate:project-config", f"{block.where}: unknown TOML marker"
    # The schema, then the model (journey references) exactly as `cxcore` loads the file.
    config = ProjectConfig.from_mapping(data)
    # [metrics.<id>] tables with a `type` are metric declarations, checked by their own schema
    # when the metrics are built; check them here too so KPI examples cannot rot.
    declaration = REGISTRY.validator("metric-declaration")
    for metric, table in config.metrics.items():
        if isinstance(table, dict) and "type" in table and not declaration.is_valid(table):
            errors = [str(e) for e in declaration.errors(table)]
            pytest.fail(f"{block.where}: [metrics.{metric}] is not a valid declaration: {errors}")


RUN_BLOCKS = [b for b in ALL_BLOCKS if b.marker == "run"]


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda b: b.where)
def test_python_example_runs(block: Block, tmp_path: Path) -> None:
    # A clean environment: the reader's CXCORE_* switches must not change what an example does.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXCORE_")}
    result = subprocess.run(
        [sys.executable, "-c", block.text],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, f"{block.where} failed:\n{result.stderr[-3000:]}"


def test_the_embedding_guide_has_a_runnable_main_example() -> None:
    page = DOCS / "embedding.md"

    assert any(b.page == page for b in RUN_BLOCKS)


# -- schema reference -------------------------------------------------------------------------

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))
SCHEMAS_PAGE = DOCS / "schemas.md"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_is_in_the_schema_reference(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    text = section(SCHEMAS_PAGE, lambda t: path.name in t)

    assert schema["$id"] in text, f"docs/schemas.md: the {path.name} section lacks its $id"
    fields = schema.get("properties") or schema.get("$defs") or {}
    missing = [f for f in fields if f"`{f}`" not in text]
    assert missing == [], f"docs/schemas.md: the {path.name} section does not mention {missing}"


def test_schema_ids_in_the_docs_are_current() -> None:
    current = {json.loads(p.read_text(encoding="utf-8"))["$id"] for p in SCHEMA_FILES}
    mentioned = set(
        re.findall(r"https://cxcore\.dev/schemas/[a-z0-9_\-/]+/\d+-\d+-\d+\.json", docs_text())
    )

    assert sorted(mentioned - current) == []


# -- configuration reference ------------------------------------------------------------------

CONFIG_PAGE = DOCS / "configuration.md"


def _config_tables() -> dict[str, list[str]]:
    """TOML table name -> its keys, walked from schemas/project-config.json.

    ``sources.<name>`` stands for the free-named tables under ``[sources]``.
    """
    tables: dict[str, list[str]] = {}

    def walk(node: Any, name: str, base: str) -> None:
        node, base = REGISTRY.deref(node, base)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            node, base = REGISTRY.deref(node["items"], base)
        props = node.get("properties")
        if not props:
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and REGISTRY.deref(extra, base)[0].get("properties"):
                walk(extra, f"{name}.<name>", base)
            return
        tables[name] = list(props)
        for key, sub in props.items():
            walk(sub, f"{name}.{key}" if name else key, base)

    schema = REGISTRY.schema("project-config")
    walk(schema, "", str(schema["$id"]))
    tables.pop("", None)
    return tables


CONFIG_TABLES = _config_tables()


def test_config_tables_are_found() -> None:
    assert {"project", "journey", "journey.touchpoints", "store", "sources.<name>"} <= set(
        CONFIG_TABLES
    )


@pytest.mark.parametrize("table", sorted(CONFIG_TABLES))
def test_every_config_key_is_documented(table: str) -> None:
    # A heading such as "## [store]" or "### [[journey.touchpoints]]" per table.
    text = section(CONFIG_PAGE, lambda t: f"[{table}]" in t)

    missing = [k for k in CONFIG_TABLES[table] if f"`{k}`" not in text]
    assert missing == [], f"docs/configuration.md, [{table}]: keys not documented: {missing}"


# -- CLI and public API -----------------------------------------------------------------------


def _commands(group: click.Group, prefix: str) -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


@pytest.mark.parametrize("command", list(_commands(cli, "cxcore")))
def test_every_cli_command_is_documented(command: str) -> None:
    assert command in docs_text(), f"no page in docs/ documents `{command}`"


PUBLIC = [
    name
    for name in cxcore.__all__
    if inspect.isclass(getattr(cxcore, name)) or inspect.isfunction(getattr(cxcore, name))
]


def test_public_api_is_found() -> None:
    assert {"Workspace", "Store", "from_dict", "load_config"} <= set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_class_and_function_is_documented(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", docs_text()), f"{name} is not in docs/"


# -- links ------------------------------------------------------------------------------------

_LINK = re.compile(r"\]\((?P<page>[^)#\s]*?\.md)?(?:#(?P<anchor>[^)\s]+))?\)")


def slug(heading: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_between_pages_resolve(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for m in _LINK.finditer(text):
        target = page.parent / m.group("page") if m.group("page") else page
        if m.group("page") and "://" in m.group("page"):
            continue
        anchors = {slug(t) for _, t, _ in headings(target)} if target.exists() else set()
        if not target.exists() or (m.group("anchor") and m.group("anchor") not in anchors):
            broken.append(m.group(0))

    assert broken == [], f"{page.name} links to missing pages or headings: {broken}"
