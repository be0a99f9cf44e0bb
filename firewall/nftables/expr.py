"""libnftables JSON expressions as data, and their ``nft`` text form for ``plan``.

Rules are built from these small constructors (never from text to re-parse).
:func:`render_statement` turns the same data into the line ``nft list``
prints, so ``plugnet init --dry-run`` shows what the host will show later;
the golden tests check the two agree.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "accept",
    "concat",
    "drop",
    "fib_local",
    "jump",
    "match",
    "meta",
    "payload",
    "prefix",
    "render_statement",
    "set_ref",
]

Expr = Any


def meta(key: str) -> Expr:
    return {"meta": {"key": key}}


def payload(protocol: str, field: str) -> Expr:
    return {"payload": {"protocol": protocol, "field": field}}


def concat(*items: Expr) -> Expr:
    return {"concat": list(items)}


def prefix(addr: str, length: int) -> Expr:
    return {"prefix": {"addr": addr, "len": length}}


def set_ref(name: str) -> str:
    return f"@{name}"


def fib_local(flag: str) -> Expr:
    """``fib <flag> type local``: Docker's ``-m addrtype --<flag>-type LOCAL``."""
    return match({"fib": {"result": "type", "flags": [flag]}}, "local")


def match(left: Expr, right: Expr, op: str = "==") -> Expr:
    return {"match": {"op": op, "left": left, "right": right}}


def accept() -> Expr:
    return {"accept": None}


def drop() -> Expr:
    return {"drop": None}


def jump(chain: str) -> Expr:
    return {"jump": {"target": chain}}


# -- text rendering (for plan) ----------------------------------------------


def _render_value(value: Expr) -> str:
    if isinstance(value, str):
        return value  # a literal or an "@set" reference, printed as is
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return ",".join(_render_value(item) for item in value)
    if "ct" in value:
        direction = value["ct"].get("dir")
        return f"ct {direction} {value['ct']['key']}" if direction else f"ct {value['ct']['key']}"
    if "meta" in value:
        key = value["meta"]["key"]
        return f"meta {key}" if key == "l4proto" else key
    if "payload" in value:
        return f"{value['payload']['protocol']} {value['payload']['field']}"
    if "concat" in value:
        return " . ".join(_render_value(item) for item in value["concat"])
    if "prefix" in value:
        return f"{value['prefix']['addr']}/{value['prefix']['len']}"
    if "fib" in value:
        return f"fib {' . '.join(value['fib']['flags'])} {value['fib']['result']}"
    raise ValueError(f"cannot render {value!r}")


def _render_expr(expr: Expr) -> str:
    if "match" in expr:
        body = expr["match"]
        left, right = _render_value(body["left"]), body["right"]
        right_text = f'"{right}"' if _is_ifname(body["left"]) else _render_value(right)
        op = "" if body["op"] in ("==", "in") else f"{body['op']} "
        return f"{left} {op}{right_text}"
    if "accept" in expr:
        return "accept"
    if "drop" in expr:
        return "drop"
    if "masquerade" in expr:
        return "masquerade"
    if "jump" in expr:
        return f"jump {expr['jump']['target']}"
    if "return" in expr:
        return "return"
    if "dnat" in expr:
        addr, port = expr["dnat"]["addr"]["map"], expr["dnat"]["port"]["map"]
        return (
            f"dnat ip to {_render_value(addr['key'])} map {addr['data']} : "
            f"{_render_value(port['key'])} map {port['data']}"
        )
    raise ValueError(f"cannot render {expr!r}")


def _is_ifname(value: Expr) -> bool:
    return isinstance(value, dict) and value.get("meta", {}).get("key") in ("iifname", "oifname")


def render_statement(exprs: list[Expr], comment: str | None = None) -> str:
    """One rule as ``nft list`` prints it (``... accept comment "plugnet"``)."""
    text = " ".join(_render_expr(expr) for expr in exprs)
    return f'{text} comment "{comment}"' if comment else text
