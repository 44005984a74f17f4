"""Built-in plugins. They register through the ``cxcore.plugins`` entry points like any other."""

#: Module names of the built-in plugins, for embedders who build a plugin list by hand.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "cxcore.builtins.catalogue",
    "cxcore.builtins.duckdb_store",
    "cxcore.builtins.file_source",
)
