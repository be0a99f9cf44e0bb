"""Stage rule specs into libiptc: add or delete from one code path, one commit per table.

:func:`modify` adds missing rules or deletes present ones (``add=False``);
:func:`replace_ours` removes rules carrying our tags and writes the wanted
ones, which is how setup (base tag only) and reapply (every tag) stay
idempotent and atomic per table. Legacy iptables has no cross-table
transaction, so an operation is at most two commits (nat, then filter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from plugnet.firewall.iptables.network import BUILTIN_CHAINS
from plugnet.firewall.iptables.rules import OWN_CHAIN, TAG_PREFIX, RuleSpec, is_ours
from plugnet.firewall.iptables.transport import TableEdit, edit, load_iptc, never_autocommit

__all__ = ["modify", "remove_all", "replace_ours", "validate"]

TABLE_ORDER = ("nat", "filter")


def _by_table(specs: Iterable[RuleSpec]) -> dict[str, list[RuleSpec]]:
    grouped: dict[str, list[RuleSpec]] = {}
    for spec in specs:
        grouped.setdefault(spec.table, []).append(spec)
    return grouped


def comment_of(rule: Any) -> str | None:
    for match in rule.matches:
        if match.name == "comment":
            return str(match.comment)
    return None


def validate(specs: list[RuleSpec]) -> None:
    """Build every rule before touching a table: a bad one fails with nothing changed."""
    iptc = load_iptc()
    try:
        for spec in specs:
            # python-iptables resolves a jump to a user chain through its table cache,
            # which may not have our chain yet: validate the rest with a built-in verdict.
            checkable = replace(spec, target="ACCEPT") if spec.target == OWN_CHAIN else spec
            checkable.to_iptc(iptc)
    finally:
        never_autocommit(iptc)


def modify(specs: list[RuleSpec], *, add: bool) -> None:
    """Add the rules that are missing, or delete every copy of those present.

    Legacy iptables commits one table at a time; if a later table fails, the
    tables already committed are changed back, so the operation is all or nothing.
    """
    validate(specs)
    grouped = _by_table(specs)
    done: list[str] = []
    for table in TABLE_ORDER:
        if table not in grouped:
            continue
        try:
            _modify_table(table, grouped[table], add)
        except BaseException:
            for committed in reversed(done):
                _modify_table(committed, grouped[committed], not add)
            raise
        done.append(table)


def _modify_table(table: str, specs: list[RuleSpec], add: bool) -> None:
    with edit(table) as tx:
        if add and table == "nat":
            tx.ensure_chain(OWN_CHAIN)
        next_top: dict[str, int] = {}
        for spec in specs:
            position = next_top.get(spec.chain, 0)
            if _add_or_delete(tx, spec, add, position):
                next_top[spec.chain] = position + 1


def _add_or_delete(tx: TableEdit, spec: RuleSpec, add: bool, position: int) -> bool:
    """Returns True when a rule was inserted at the head (the next one goes below it)."""
    if not tx.has_chain(spec.chain):
        return False  # our chain is gone: nothing to delete (add ensured it above)
    wanted = spec.to_iptc(tx.iptc)
    if not add:
        tx.delete(spec.chain, wanted)
        return False
    if tx.exists(spec.chain, wanted):
        return False
    _place(tx.chain(spec.chain), wanted, spec, position)
    return spec.position == "top"


def _place(chain: Any, rule: Any, spec: RuleSpec, position: int) -> None:
    if spec.position == "end":
        chain.append_rule(rule)
    else:
        chain.insert_rule(rule, position)


def replace_ours(specs: list[RuleSpec], remove: Callable[[str | None], bool]) -> None:
    """Remove our rules matching ``remove`` (by tag), then write ``specs`` in order."""
    validate(specs)
    grouped = _by_table(specs)
    for table in TABLE_ORDER:
        with edit(table) as tx:
            if table == "nat":
                tx.ensure_chain(OWN_CHAIN)
            _strip(tx, table, remove)
            _write(tx, grouped.get(table, []))


def _scanned_chains(tx: TableEdit, table: str) -> tuple[str, ...]:
    """The chains our rules live in: the built-in ones, and our nat chain if present."""
    if table == "nat" and tx.has_chain(OWN_CHAIN):
        return (*BUILTIN_CHAINS[table], OWN_CHAIN)
    return BUILTIN_CHAINS[table]


def _strip(tx: TableEdit, table: str, remove: Callable[[str | None], bool]) -> None:
    """Delete our rules by tag only: a user's rule, even in our nat chain, stays."""
    for name in _scanned_chains(tx, table):
        chain = tx.chain(name)
        for rule in chain.rules:
            if remove(comment_of(rule)):
                chain.delete_rule(rule)


def _write(tx: TableEdit, specs: list[RuleSpec]) -> None:
    next_top: dict[str, int] = {}
    for spec in specs:
        chain = tx.chain(spec.chain)
        if spec.chain not in next_top:
            # Port and link accepts sit at the head of FORWARD, above the ICC
            # verdict; elsewhere our per-owner rules are appended, so base goes first.
            next_top[spec.chain] = _after_owner_rules(chain) if spec.chain == "FORWARD" else 0
        _place(chain, spec.to_iptc(tx.iptc), spec, next_top[spec.chain])
        if spec.position == "top":
            next_top[spec.chain] += 1


def _after_owner_rules(chain: Any) -> int:
    """Insert base rules below the port/link accepts already at the head of the chain.

    The ICC verdict must stay below them, or a DROP would shadow a link.
    """
    position = 0
    for index, rule in enumerate(chain.rules):
        comment = comment_of(rule)
        if comment is not None and comment.startswith(TAG_PREFIX):
            position = index + 1
    return position


def remove_all() -> None:
    """Delete every rule tagged as ours, and our nat chain once nothing is left in it
    or jumps to it (a user's rule keeps it); nothing there is fine."""
    for table in TABLE_ORDER:
        with edit(table) as tx:
            _strip(tx, table, is_ours)
            if table == "nat" and tx.has_chain(OWN_CHAIN) and not tx.chain(OWN_CHAIN).rules:
                with suppress(tx.iptc.IPTCError):
                    tx.table.delete_chain(OWN_CHAIN)
