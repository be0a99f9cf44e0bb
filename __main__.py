"""``python -m plugnet``: the same as the ``plugnet`` command."""

from plugnet.core.cli import main

raise SystemExit(main())
