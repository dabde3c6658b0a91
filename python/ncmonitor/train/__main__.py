"""``python -m ncmonitor.train``: see ncmonitor/train/cli.py."""

import sys


def _torch_problem() -> "str | None":
    """Why PyTorch cannot be imported by this interpreter, as one line a user can act on; None when it can."""
    try:
        import torch  # noqa: F401
    except ImportError as error:
        return (
            f"ncmonitor.train: PyTorch cannot be imported by {sys.executable} (Python {sys.version.split()[0]}): {error}. "
            "Install it for this interpreter (pip install torch, or on Debian/Ubuntu apt-get install python3-torch), "
            "or choose an interpreter that has it (VS Code setting ncMonitor.python.interpreterPath)."
        )
    return None


if __name__ == "__main__":
    problem = _torch_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        sys.exit(1)
    from .cli import main

    sys.exit(main())
