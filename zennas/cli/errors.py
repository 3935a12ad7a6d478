"""One-line errors for every CLI: ``error: <what is wrong, where, what to do>`` on stderr, no traceback unless
``--debug``.  Exit status (:mod:`zennas.errors`): 2 bad usage, 1 failure, 130 interrupted, 141 stdout closed
early (``... | head``: silent, like Unix tools).  :class:`ArgumentParser`: the same one line for usage errors."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Callable

from zennas.errors import CLIError, UsageError, exit_code_of, is_expected, one_line


def report(exc: BaseException) -> int:
    """Print ``exc`` as one ``error:`` line on stderr; return its exit status."""
    kind, hint = ("", "") if is_expected(exc) else (f"{type(exc).__name__}: ", " (unexpected; --debug shows the traceback)")
    print(f"error: {kind}{one_line(exc)}{hint}", file=sys.stderr, flush=True)
    return exit_code_of(exc)


def cli_errors(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Decorate ``main(argv)``: an exception becomes one line and its exit status; ``--debug`` re-raises."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        debug = "--debug" in (sys.argv[1:] if argv is None else argv)
        try:
            rc = main(argv)
            sys.stdout.flush()
            return rc
        except BrokenPipeError:  # the reader went away: keep the interpreter's final flush quiet
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a descriptor
                pass
            return 141
        except KeyboardInterrupt:
            if debug:
                raise
            print("error: interrupted", file=sys.stderr)
            return 130
        except SystemExit as exc:
            if not isinstance(exc.code, str):  # --help, or an explicit status
                raise
            print(f"error: {one_line(exc.code.removeprefix('error: '))}", file=sys.stderr)
            return 2
        except Exception as exc:
            if debug:
                raise
            return report(exc)

    return wrapper


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line usage errors (:class:`UsageError`, exit 2) and a ``--debug`` switch."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", help="show the traceback of an error (and debug logging)")

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}", "see --help")


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """argparse ``type``: an integer in [lo, hi] written with ASCII digits."""

    def parse(text: str) -> int:
        t = text.strip()
        if not (t.lstrip("+-").isascii() and t.lstrip("+-").isdigit() and len(t) <= 12 and lo <= int(t) <= hi):
            raise argparse.ArgumentTypeError(f"expected an integer in [{lo}, {hi:,}], got {text!r}")
        return int(t)

    return parse


__all__ = ["ArgumentParser", "CLIError", "UsageError", "bounded_int", "cli_errors", "one_line", "report"]
