"""Shared checks of the contract suites: every failure names the rule it broke."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from plugnet.core.errors import PlugnetError
from plugnet.testing.snapshot import ContractViolation

__all__ = ["expect_plugnet_error", "only_plugnet_errors", "require"]

ERRORS_RULE = "every error a plugin raises is a PlugnetError subclass with a non-empty message"


def require(condition: bool, rule: str, found: str) -> None:
    """Fail with ``contract rule: RULE; found FOUND`` unless ``condition``."""
    __tracebackhide__ = True
    if not condition:
        raise ContractViolation(rule, found)


def _check_error(exc: PlugnetError, operation: str) -> None:
    require(
        bool(str(exc).strip()),
        ERRORS_RULE,
        f"{operation} raised {type(exc).__name__} with an empty message",
    )


@contextmanager
def only_plugnet_errors(operation: str) -> Iterator[None]:
    """Let a PlugnetError through (checked for a message); turn anything else into a violation."""
    try:
        yield
    except ContractViolation:
        raise
    except PlugnetError as exc:
        _check_error(exc, operation)
        raise
    except Exception as exc:
        raise ContractViolation(
            ERRORS_RULE, f"{operation} raised {type(exc).__name__}: {exc}"
        ) from exc


def expect_plugnet_error(
    rule: str,
    operation: str,
    func: Callable[..., Any],
    *args: Any,
    expected: type[PlugnetError] = PlugnetError,
    **kwargs: Any,
) -> PlugnetError:
    """Call ``func``; it must raise ``expected`` (a PlugnetError) with a message.

    :param rule: the rule that demands the refusal, named when it is not refused.
    :param operation: what is being called, for the messages.
    """
    __tracebackhide__ = True
    try:
        with only_plugnet_errors(operation):
            result = func(*args, **kwargs)
    except PlugnetError as exc:
        require(
            isinstance(exc, expected),
            rule,
            f"{operation} raised {type(exc).__name__} ({exc}), not {expected.__name__}",
        )
        return exc
    raise ContractViolation(rule, f"{operation} succeeded and returned {result!r}")
