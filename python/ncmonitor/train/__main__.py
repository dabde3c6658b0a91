"""``python -m ncmonitor.train``: see ncmonitor/train/cli.py."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
