"""The error types every command line reports as one line, and what exit status each one means.

**2** = bad usage: an option, a structure, a file or a folder given is wrong (fix the command);
**1** = a failure while running (the search stopped with an error, a score or an export failed, anything
unexpected).  An exception states its status with an ``exit_code`` attribute (:class:`UsageError` 2,
:class:`CLIError` 1, library errors such as ``ConfigError``, ``SearchError``, ``CheckpointError``,
``DeviceError``); without one, ``ValueError`` / ``LookupError`` / a missing file are 2 and the rest 1.
:mod:`zennas.cli.errors` prints them (``cli_errors``).
"""

from __future__ import annotations

#: exception types that mean "the input is wrong" when they carry no ``exit_code``
USAGE_TYPES: tuple[type[BaseException], ...] = (ValueError, LookupError, FileNotFoundError, NotADirectoryError,
                                                IsADirectoryError, PermissionError, UnicodeError)


class CLIError(Exception):
    """An error reported as one line: what is wrong and where; ``hint``: what to do.  Exit status
    ``exit_code`` (1: a failure while running)."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None) -> None:
        super().__init__(f"{message}; {hint}" if hint else message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CLIError):
    """Bad usage: an option or an input is wrong (exit status 2)."""

    exit_code = 2


def exit_code_of(exc: BaseException) -> int:
    """The exit status an exception stands for (see the module docstring)."""
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    return 2 if isinstance(exc, USAGE_TYPES) else 1


def is_expected(exc: BaseException) -> bool:
    """An error with a message meant for users (others are reported as unexpected, with their type)."""
    return isinstance(exc, (CLIError, *USAGE_TYPES, OSError, RuntimeError, ImportError)) or hasattr(exc, "exit_code")


def one_line(exc: BaseException | str, limit: int = 600) -> str:
    """The message on one line (an exception's ``summary`` if it has one, e.g. a StructureParseError's):
    a DataLoader worker's re-raised traceback is reduced to its last line, whitespace collapsed, cut at
    ``limit`` characters."""
    text = exc if isinstance(exc, str) else getattr(exc, "summary", None) or str(exc)
    if "Original Traceback" in text:  # "Caught X in DataLoader worker ... Original Traceback ... X: message"
        last = text.strip().splitlines()[-1]
        head, sep, rest = last.partition(": ")
        text = rest if sep and head.replace(".", "").replace("_", "").isalnum() else last
    if isinstance(exc, KeyError) and text[:1] in "'\"" and text[-1:] in "'\"":
        text = text[1:-1]  # KeyError quotes its message
    msg = " ".join(text.split()) or type(exc).__name__
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


__all__ = ["CLIError", "USAGE_TYPES", "UsageError", "exit_code_of", "is_expected", "one_line"]
