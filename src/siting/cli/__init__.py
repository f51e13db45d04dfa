"""``siting`` command line: demo, run, validate, compare, schema, init.

Every :class:`~siting.errors.SitingError` is printed as one located line and exits with
code 2; nothing is written when the input is bad (the output folder is checked before
solving and written atomically after). The help texts are plain text (``HELP`` below), not
this docstring.
"""

from __future__ import annotations

import sys

from siting.cli import plans, whatif  # noqa: F401  (register the commands on the app)
from siting.cli.common import app, err_console

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
