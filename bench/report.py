"""Turn the items' raw results into the side-by-side table, the ratios and the targets.

Pure: takes the JSON the items printed, returns text and a summary dict. A
repetition counts for a tool only when it ran without error and its checks
passed; a failed one is listed under "checks" and left out of every median and
ratio, so a fast broken run cannot count. Ratios are plugnet / peer taken
within one repetition (the two ran seconds apart in the same item sandbox),
then the median over repetitions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

Rep = dict[str, Any]
PLUGNET_REQUIRED = ("c1_to_c0_tcp", "port_via_bridge_ip")
PEER_REQUIRED = ("c2_to_c1_tcp", "portmap_via_bridge_ip")
LIB = "plugnet-lib:nftables"
CLI = "plugnet-cli:nftables"
PEER_LABEL = {"cni": "CNI", "netavark": "netavark", "dockerd": "dockerd"}


def counted(tool: str, res: dict[str, Any] | None) -> tuple[bool, str]:
    """(counts, why not) for one tool's result in one repetition."""
    if res is None:
        return False, "not run"
    if "error" in res:
        return False, "error: " + res["error"].strip().splitlines()[-1][:160]
    if tool == "dockerd":
        return bool(res.get("ok")), "" if res.get("ok") else "docker0 or rules not complete"
    if "checks" in res:
        required = PLUGNET_REQUIRED if tool.startswith("plugnet") else PEER_REQUIRED
        present = [k for k in required if k in res["checks"]]
        bad = [k for k in present if not res["checks"][k]["ok"]]
        if bad or not present:
            return False, "checks failed: " + ", ".join(bad or ["none ran"])
    if tool.startswith("plugnet") and "bridge_up" in res and not res["bridge_up"]:
        return False, "bridge not up after init"
    return True, ""


def values(reps: list[Rep], tool: str, get: Callable[[dict[str, Any]], Any]) -> list[float]:
    out = []
    for rep in reps:
        ok, _ = counted(tool, rep.get(tool))
        if ok:
            v = get(rep[tool])
            if isinstance(v, int | float) and not math.isnan(v):
                out.append(float(v))
    return out


def paired(
    reps: list[Rep],
    a: str,
    b: str,
    get_a: Callable[[dict[str, Any]], Any],
    get_b: Callable[[dict[str, Any]], Any] | None = None,
) -> float | None:
    """Median over repetitions of a/b, using only repetitions where both counted."""
    get_b = get_b or get_a
    ratios = []
    for rep in reps:
        if counted(a, rep.get(a))[0] and counted(b, rep.get(b))[0]:
            va, vb = get_a(rep[a]), get_b(rep[b])
            if va is not None and vb:
                ratios.append(va / vb)
    return statistics.median(ratios) if ratios else None


def med(vals: list[float]) -> float | None:
    return statistics.median(vals) if vals else None


def fmt(v: float | None, spec: str = "%.1f") -> str:
    return "-" if v is None else spec % v


def key(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r.get(name)


def median_ms_of(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r.get(name, {}).get("median_ms")


def verdict(value: float | None, limit: float, unit: str = "") -> str:
    if value is None:
        return "NOT MEASURED"
    return ("MET" if value <= limit else "MISSED") + f" ({value:.3g}{unit} vs <= {limit:g}{unit})"


def row(label: str, vals: list[float], spec: str = "%.1f", total: int = 0) -> str:
    if not vals:
        return f"  {label:<50} {'-':>9} {'-':>9} {'-':>9}   0/{total} runs counted"
    return (
        f"  {label:<50} {spec % statistics.median(vals):>9} {spec % min(vals):>9} "
        f"{spec % max(vals):>9}   {len(vals)}/{total} runs counted"
    )


def init_section(item: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    reps = item["runs"]
    total = len(reps)
    out = ["== daemon network init, seconds (median / min / max over runs)"]
    for tool in item["spec"]["tools"]:
        if tool.startswith("plugnet-cli"):
            b = tool.split(":")[1]
            out.append(
                row(
                    f"plugnet init, {b}: exec -> exit",
                    values(reps, tool, key("init_exit_s")),
                    "%.3f",
                    total,
                )
            )
            if b == "nftables":  # iptables (python-iptables) writes legacy tables: no nft events
                out.append(
                    row(
                        f"plugnet init, {b}: exec -> last nft rule event",
                        values(reps, tool, lambda r: r["events"]["nft_last_rule_s"]),
                        "%.3f",
                        total,
                    )
                )
            out.append(
                row(
                    f"plugnet init, {b}: exec -> bridge IFF_UP",
                    values(reps, tool, lambda r: r["events"]["bridge_first_up_s"]),
                    "%.3f",
                    total,
                )
            )
        elif tool.startswith("plugnet-lib"):
            b = tool.split(":")[1]
            out.append(
                row(
                    f"Engine.init() call, {b}",
                    values(reps, tool, key("init_call_s")),
                    "%.3f",
                    total,
                )
            )
            out.append(
                row(
                    "  (import of plugnet.core.engine before it)",
                    values(reps, tool, key("import_s")),
                    "%.3f",
                    total,
                )
            )
        elif tool == "dockerd":
            out.append(
                row(
                    "dockerd: exec -> rules complete (last nft event)",
                    values(reps, tool, key("t_rules_s")),
                    "%.3f",
                    total,
                )
            )
            out.append(
                row(
                    "dockerd: exec -> docker0 IFF_UP",
                    values(reps, tool, key("t_docker0_up_s")),
                    "%.3f",
                    total,
                )
            )
            out.append(
                row(
                    "dockerd: exec -> API answers",
                    values(reps, tool, key("t_api_s")),
                    "%.3f",
                    total,
                )
            )
    if "dockerd" in item["spec"]["tools"]:
        ratio = paired(reps, CLI, "dockerd", key("init_exit_s"), key("t_rules_s"))
        summary["init_cli_over_dockerd"] = ratio
        out.append(
            f"  ratio plugnet init (exec -> exit) / dockerd (exec -> rules complete), "
            f"paired: {fmt(ratio, '%.2f')}"
        )
        same = paired(
            reps, CLI, "dockerd", lambda r: r["events"]["nft_last_rule_s"], key("t_rules_s")
        )
        summary["init_events_over_dockerd"] = same
        out.append(
            f"  ratio, both by their last nft rule event (same method), paired: {fmt(same, '%.2f')}"
        )
    summary["init_cli_s"] = med(values(reps, CLI, key("init_exit_s")))
    return out


def attach_rows(
    items: list[dict[str, Any]], metric: str, summary: dict[str, Any], name: str
) -> list[str]:
    cols = [LIB, "plugnet-lib:iptables", CLI, "cni", "netavark"]
    heads = ["lib nft", "lib ipt", "CLI nft", "CNI", "netavark", "lib/CNI", "lib/ntvk", "CLI/ntvk"]
    out = [f"  {'N':>5} | " + " | ".join(f"{h:>9}" for h in heads)]
    for item in items:
        reps, n = item["runs"], item["spec"]["n"]
        cells = [fmt(med(values(reps, c, key(metric)))) for c in cols]
        ratios = [
            paired(reps, LIB, "cni", key(metric)),
            paired(reps, LIB, "netavark", key(metric)),
            paired(reps, CLI, "netavark", key(metric)),
        ]
        for peer, r in zip(("cni", "netavark"), ratios[:2], strict=True):
            summary.setdefault(name, {})[f"{n}/{peer}"] = r
        cells += [fmt(r, "%.3f") for r in ratios]
        out.append(f"  {n:>5} | " + " | ".join(f"{c:>9}" for c in cells))
    return out


def growth_section(items: list[dict[str, Any]], summary: dict[str, Any]) -> list[str]:
    by_n = {it["spec"]["n"]: it for it in items}
    big = max(by_n)
    out = [f"== growth: plugnet library per-attach ms, N=10 vs N={big} (separate sandboxes)"]
    if 10 not in by_n or big == 10:
        return [*out, "  needs N=10 and a larger N"]
    for backend in ("nftables", "iptables"):
        tool = f"plugnet-lib:{backend}"
        small = med(values(by_n[10]["runs"], tool, key("add_per_container_median_ms")))
        large = med(values(by_n[big]["runs"], tool, key("add_per_container_median_ms")))
        tail = med(values(by_n[big]["runs"], tool, key("add_tail10pct_median_ms")))
        ratio = large / small if small and large else None
        tail_ratio = tail / small if small and tail else None
        summary.setdefault("growth", {})[backend] = {
            "ratio": ratio,
            "tail_ratio": tail_ratio,
            "n": big,
        }
        out.append(
            f"  {backend:<9} N=10 {fmt(small):>7}  N={big} {fmt(large):>7}  "
            f"ratio {fmt(ratio, '%.2f')}   last 10% of N={big}: {fmt(tail):>7} "
            f"(ratio {fmt(tail_ratio, '%.2f')})"
        )
    return out


def startup_section(item: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    reps = item["runs"]
    out = [
        f"== CLI start-up, cold process, ms (median of {item['spec'].get('k')} execs per run; "
        "median / min / max over runs)"
    ]
    labels = {
        "status": "plugnet status",
        "help": "plugnet --help",
        "netavark_version": "netavark --version (for scale)",
        "cni_bridge_version": "CNI bridge VERSION (for scale)",
        "python_bare": "python -c pass (interpreter floor)",
    }
    for field, label in labels.items():
        vals = values(reps, "plugnet", median_ms_of(field))
        out.append(row(label, vals, "%.1f", len(reps)))
        if field == "status":
            summary["status_ms"] = med(vals)
    return out


def memory_section(items: list[dict[str, Any]]) -> list[str]:
    out = ["== peak RSS of the library process (ru_maxrss, MiB): before init / holding N"]
    for item in items:
        reps, n = item["runs"], item["spec"]["n"]
        for backend in ("nftables", "iptables"):
            tool = f"plugnet-lib:{backend}"
            before = med(values(reps, tool, key("rss_before_kb")))
            hold = med(values(reps, tool, key("rss_holding_kb")))
            if hold is not None:
                out.append(
                    f"  N={n:<5} {backend:<9} {fmt((before or 0) / 1024):>7} -> "
                    f"{fmt(hold / 1024):>7}"
                )
    return out


def checks_section(items: list[dict[str, Any]]) -> list[str]:
    out = ["== checks (a run whose checks failed is left out of every figure above)"]
    for item in items:
        spec = item["spec"]
        for tool in spec["tools"]:
            oks, whys, names = 0, [], set()
            for rep in item["runs"]:
                res = rep.get(tool)
                ok, why = counted(tool, res)
                oks += ok
                if not ok:
                    whys.append(why)
                for k, v in ((res or {}).get("checks") or {}).items():
                    names.add(f"{k}={'ok' if v['ok'] else 'FAIL'}")
            label = f"{spec['kind']} N={spec.get('n', '-')} {tool}"
            detail = "; ".join(sorted(set(whys))) if whys else ""
            out.append(
                f"  {label:<40} {oks}/{len(item['runs'])} passed"
                + (f"  [{detail}]" if detail else "")
                + (f"  {' '.join(sorted(names))}" if names and len(item["runs"]) else "")
            )
    return out


def targets_section(summary: dict[str, Any]) -> list[str]:
    out = ["== targets (ratios paired within one run)"]
    for what in ("attach", "detach"):
        for peer in ("netavark", "cni"):
            r = summary.get(what, {}).get(f"200/{peer}")
            out.append(
                f"  library {what} at N=200 <= 1/10 of {PEER_LABEL[peer]}: " + verdict(r, 0.1, "x")
            )
    g = summary.get("growth", {}).get("nftables", {})
    out.append(
        f"  per-attach N={g.get('n', 1000)} within 1.3x of N=10 (nftables, median): "
        + verdict(g.get("ratio"), 1.3, "x")
        + f"; last 10%: {fmt(g.get('tail_ratio'), '%.2f')}x"
    )
    out.append(
        "  plugnet init cold <= dockerd start to rules complete: "
        + verdict(summary.get("init_cli_over_dockerd"), 1.0, "x")
        + f"; by nft events: {fmt(summary.get('init_events_over_dockerd'), '%.2f')}x"
    )
    out.append(
        "  CLI attach cold < 250 ms median (attach exec alone): "
        + verdict(summary.get("cli_attach_ms"), 250, " ms")
        + f"; attach + publish execs: {fmt(summary.get('cli_attach_publish_ms'))} ms"
    )
    out.append(
        "  plugnet status cold < 100 ms median: " + verdict(summary.get("status_ms"), 100, " ms")
    )
    return out


def build(items: list[dict[str, Any]], header: str) -> tuple[str, dict[str, Any]]:
    summary: dict[str, Any] = {}
    lines = [header]
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        kinds.setdefault(item["spec"]["kind"], []).append(item)
    attach = sorted(kinds.get("attach", []), key=lambda it: it["spec"]["n"])
    for item in kinds.get("init", []):
        lines += init_section(item, summary)
    if attach:
        lines.append(
            "== attach + publish one TCP port, ms per container (median over runs of "
            "the per-container median); ratios plugnet/peer paired per run"
        )
        lines += attach_rows(attach, "add_per_container_median_ms", summary, "attach")
        lines.append("== detach, ms per container (same)")
        lines += attach_rows(attach, "del_per_container_median_ms", summary, "detach")
        cli = [it for it in attach if CLI in it["spec"]["tools"]]
        if cli:
            summary["cli_attach_ms"] = med(
                [v for it in cli for v in values(it["runs"], CLI, key("add_interface_median_ms"))]
            )
            summary["cli_attach_publish_ms"] = med(
                [
                    v
                    for it in cli
                    for v in values(it["runs"], CLI, key("add_per_container_median_ms"))
                ]
            )
            publish = med(
                [v for it in cli for v in values(it["runs"], CLI, key("add_port_median_ms"))]
            )
            lines.append(
                f"  CLI split: attach exec {fmt(summary['cli_attach_ms'])} ms + publish "
                f"exec {fmt(publish)} ms (N <= {max(it['spec']['n'] for it in cli)})"
            )
        lines += growth_section(attach, summary)
        lines += memory_section(attach)
    for item in kinds.get("startup", []):
        lines += startup_section(item, summary)
    lines += checks_section(items)
    lines += targets_section(summary)
    return "\n".join(lines), summary
