"""One-line errors for the CLIs: ``error: <message>`` on stderr and exit status 2, no traceback unless
``--debug`` is on the command line."""

from __future__ import annotations

import functools
import sys
from typing import Callable


def one_line(exc: BaseException, limit: int = 600) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def cli_errors(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Decorate ``main(argv)``: any exception becomes one line on stderr and exit status 2."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        args = sys.argv[1:] if argv is None else argv
        try:
            return main(argv)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if "--debug" in args:
                raise
            expected = isinstance(exc, (OSError, ValueError, RuntimeError, ImportError, KeyError))
            kind, hint = ("", "") if expected else (f"{type(exc).__name__}: ", " (--debug shows the traceback)")
            print(f"error: {kind}{one_line(exc)}{hint}", file=sys.stderr)
            return 2

    return wrapper
