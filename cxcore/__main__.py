"""``python -m cxcore``: the same as the ``cxcore`` command."""

from .cli import main

main()
