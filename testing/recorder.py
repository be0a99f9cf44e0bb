"""A hook recorder, as pytest's ``pytester.HookRecorder``: which hooks ran, with what.

It wraps a pluggy ``PluginManager`` (``PluginHost.manager``) through
``add_hookcall_monitoring`` and keeps one :class:`HookCall` per call: the hook's
name, its keyword arguments, the plugins that implemented it, and the result or
the exception. Tests assert on it instead of on a plugin's internals::

    recorder = HookRecorder(stack.host.manager)
    stack.release_interface("c1")
    recorder.assert_called("plugnet_release_owner", owner="c1")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pluggy

__all__ = ["HookCall", "HookRecorder"]


@dataclass(frozen=True, slots=True)
class HookCall:
    """One recorded call of a hook."""

    name: str
    kwargs: Mapping[str, Any]
    #: The names the implementing plugins were registered under, in call order.
    plugins: tuple[str, ...]
    result: Any = None
    exception: BaseException | None = None

    def matches(self, subset: Mapping[str, Any]) -> bool:
        """True if every ``subset`` item equals the call's keyword argument."""
        return all(
            key in self.kwargs and self.kwargs[key] == value for key, value in subset.items()
        )

    def __str__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        outcome = f"raised {self.exception!r}" if self.exception else f"-> {self.result!r}"
        return f"{self.name}({args}) {outcome}"


@dataclass
class HookRecorder:
    """Records every hook call of ``manager`` until :meth:`finish_recording`.

    Usable as a context manager; it stops recording on exit.
    """

    manager: pluggy.PluginManager
    _calls: list[HookCall] = field(default_factory=list, init=False)
    _undo: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._undo = self.manager.add_hookcall_monitoring(self._before, self._after)

    def _before(self, hook_name: str, hook_impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """Nothing to do before a call: the call is recorded once its outcome is known."""

    def _after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[Any],
        kwargs: Mapping[str, Any],
    ) -> None:
        exception = outcome.exception
        self._calls.append(
            HookCall(
                name=hook_name,
                kwargs=dict(kwargs),
                plugins=tuple(impl.plugin_name for impl in reversed(hook_impls)),
                result=None if exception is not None else outcome.get_result(),
                exception=exception,
            )
        )

    def finish_recording(self) -> None:
        """Stop recording (the calls recorded so far stay)."""
        if self._undo is not None:
            self._undo()
            self._undo = None

    def __enter__(self) -> HookRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish_recording()

    # -- queries -----------------------------------------------------------------------

    def calls(self, name: str | None = None) -> list[HookCall]:
        """The calls of hook ``name`` (every call when None), oldest first."""
        return [call for call in self._calls if name is None or call.name == name]

    def names(self) -> list[str]:
        """The names of the hooks called, in call order."""
        return [call.name for call in self._calls]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self._calls.clear()

    def assert_called(self, name: str, **kwargs_subset: Any) -> HookCall:
        """The last call of ``name`` whose arguments include ``kwargs_subset``.

        :raises AssertionError: no such call; the message lists what was called.
        """
        for call in reversed(self.calls(name)):
            if call.matches(kwargs_subset):
                return call
        wanted = ", ".join(f"{key}={value!r}" for key, value in kwargs_subset.items())
        seen = "\n  ".join(str(call) for call in self._calls) or "(no hook was called)"
        raise AssertionError(f"hook {name}({wanted}) was not called; recorded calls:\n  {seen}")

    def assert_not_called(self, name: str) -> None:
        """:raises AssertionError: ``name`` was called."""
        found = self.calls(name)
        if found:
            raise AssertionError(f"hook {name} was called {len(found)} time(s): {found[0]}")
