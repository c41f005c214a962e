"""A validation run as one self-contained HTML page: a table of checks and the plots behind them.

Rendered on demand from the stored JSON report, so the page always matches
the run. Plots: metric values against their thresholds, the bootstrap
interval of the difference with the baseline, group rates per sensitive
feature, and the reliability curve.
"""

from __future__ import annotations

import html
from typing import Any

from steward.core.charts import FAIL, NEUTRAL, PALETTE, PASS, figure, to_svg
from steward.core.validation.results import CheckResult, ValidationRun

_STATUS_COLOUR = {"pass": PASS, "fail": FAIL, "error": FAIL, "not_estimable": NEUTRAL}
_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
.status{font-weight:600;color:#fff;border-radius:3px;padding:.1rem .4rem}
figure{margin:1.5rem 0}figcaption{font-size:.85rem;color:#555}
"""


def _metric_bars(checks: list[CheckResult]) -> str | None:
    shown = [c for c in checks if c.kind == "metric" and c.value is not None]
    if not shown:
        return None
    fig, ax = figure(6.0, 0.5 + 0.45 * len(shown))
    y = range(len(shown))
    ax.barh(list(y), [c.value for c in shown], color=[_STATUS_COLOUR[c.status] for c in shown])
    for i, c in enumerate(shown):
        for side, bound in c.threshold.items():
            ax.plot([bound, bound], [i - 0.4, i + 0.4], color="#222", linewidth=1.5)
            ax.annotate(side, (bound, i + 0.42), fontsize=7, ha="center")
    ax.set_yticks(list(y), [c.name.removeprefix("metric:") for c in shown])
    ax.set_xlabel("value (bar) and threshold (line)", fontsize=8)
    return to_svg(fig)


def _difference(check: CheckResult) -> str:
    d = check.details
    fig, ax = figure(6.0, 1.4)
    low, high, mid = d["low"], d["high"], d["difference"]
    ax.errorbar(
        [mid], [0], xerr=[[mid - low], [high - mid]], fmt="o", color=_STATUS_COLOUR[check.status], capsize=6
    )
    tolerance = d.get("tolerance") or 0.0
    edge = -tolerance if d.get("higher_is_better", True) else tolerance
    ax.axvline(0.0, color=NEUTRAL, linewidth=1)
    ax.axvline(edge, color=FAIL, linewidth=1, linestyle="--")
    ax.set_yticks([])
    ax.set_xlabel(
        f"{d['metric']}: candidate - {d.get('against')} ({d['confidence']:.0%} interval; dashed: tolerance)",
        fontsize=8,
    )
    return to_svg(fig)


def _group_rates(check: CheckResult) -> str:
    groups = check.details["groups"]
    rates = ("selection_rate", "true_positive_rate", "false_positive_rate")
    fig, ax = figure(6.0, 2.6)
    width = 0.8 / len(rates)
    for j, rate in enumerate(rates):
        xs = [i + j * width for i in range(len(groups))]
        values = [g[rate] if g[rate] is not None else 0.0 for g in groups]
        ax.bar(xs, values, width, label=rate.replace("_", " "), color=PALETTE[j])
        for x, g in zip(xs, groups, strict=True):
            if g[rate] is None:
                ax.annotate("n/e", (x, 0.01), fontsize=7, ha="center")
    ax.set_xticks(
        [i + width for i in range(len(groups))], [f"{g['group']}\n(n={g['count']})" for g in groups]
    )
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(f"{check.details['feature']}: rates per group", fontsize=9)
    return to_svg(fig)


def _reliability(check: CheckResult) -> str:
    d = check.details
    fig, ax = figure(4.0, 4.0)
    ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle="--", linewidth=1)
    ax.plot(d["predicted"], d["observed"], marker="o", color=PALETTE[0])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability", fontsize=8)
    ax.set_ylabel("observed frequency", fontsize=8)
    ax.set_title(f"Reliability ({d['n_bins']} bins), ECE {d['ece']:.3f}", fontsize=9)
    return to_svg(fig)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _row(check: CheckResult) -> str:
    value = "" if check.value is None else f"{check.value:.4g}"
    colour = _STATUS_COLOUR[check.status]
    return (
        f"<tr><td>{html.escape(check.name)}</td>"
        f'<td><span class="status" style="background:{colour}">{check.status}</span></td>'
        f"<td>{value}</td><td>{html.escape(check.message)}</td></tr>"
    )


def plots(run: ValidationRun) -> list[tuple[str, str]]:
    """The run's plots as (SVG, caption): metric bars, regression interval, group rates, reliability."""
    checks = list(run.checks)
    out: list[tuple[str, str]] = []
    bars = _metric_bars(checks)
    if bars:
        out.append((bars, "Metrics against their thresholds"))
    for check in checks:
        if check.kind == "no_regression" and "low" in check.details and check.details["low"] is not None:
            out.append((_difference(check), check.message))
        elif check.kind == "fairness" and check.details.get("groups"):
            out.append((_group_rates(check), check.message))
        elif check.kind == "calibration" and check.details.get("predicted"):
            out.append((_reliability(check), check.message))
    return out


def render_html(run: ValidationRun) -> str:
    """The run as a standalone HTML page (inline SVG plots, no scripts, no network)."""
    checks = list(run.checks)
    figures = [_figure(svg, caption) for svg, caption in plots(run)]
    verdict = "passed" if run.passed else "failed"
    metrics: dict[str, Any] = run.metrics
    metric_rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>" for k, v in metrics.items())
    title = f"Validation run {run.id} of {run.ref}: {verdict}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{run.rows} rows, target <code>{html.escape(run.target)}</code>, task {run.task}, "
        f"data fingerprint <code>{run.data_fingerprint[:16]}…</code>, "
        f"baseline {html.escape(run.against or 'none')}, "
        f"by {html.escape(run.created_by)} at {run.created_at.isoformat()}.</p>"
        "<h2>Checks</h2><table><tr><th>check</th><th>status</th><th>value</th><th>detail</th></tr>"
        + "".join(_row(c) for c in checks)
        + "</table>"
        + "".join(figures)
        + f"<h2>All metrics</h2><table>{metric_rows}</table></body></html>"
    )
