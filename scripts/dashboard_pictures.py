#!/usr/bin/python3
"""Plots the mixin's dashboards from their own queries against a Prometheus (the `make run` demo's): `make pictures`.

Grafana is not available where this runs, so each panel of mixin/dashboards_out/<uid>.json is drawn with matplotlib
at its place in the dashboard's grid: time series as lines over the range, stats as their last value, tables as their
rows. Template variables take "All", except $name on the per-job dashboard (the job that fails the most and also succeeds), and
Grafana's $__rate_interval and $__range become fixed windows. Writes docs/images/<file>.png and, next to it,
<file>.panels.txt: the panel titles it drew, which a test compares with the dashboard.
"""
import argparse
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DASHBOARDS = {"jobexporter-overview": "dashboard-overview", "jobexporter-job": "dashboard-job"}
LABEL = "Plotted from the dashboard's own queries against the `make run` demo's Prometheus: not a Grafana screenshot"


def query(prometheus, path, **params):
    url = f"{prometheus}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"{url}: {body}")
    return body["data"]["result"]


def substitute(expr, variables):
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace(f"${name}", variables[name]).replace(f"${{{name}}}", variables[name])
    return expr


def legend(template, labels):
    if not template:
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "value"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template).strip()


def formatted(value, unit):
    if value is None or math.isnan(value):
        return "no data"
    if unit == "percentunit":
        return f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}"


def draw_timeseries(ax, panel, prometheus, variables, start, end, step):
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    lines = 0
    for target in panel.get("targets", []):
        for series in query(prometheus, "query_range", query=substitute(target["expr"], variables), start=start, end=end, step=step):
            points = [(float(t), float(v)) for t, v in series["values"] if not math.isnan(float(v))]
            if not points:
                continue
            xs = [datetime.fromtimestamp(t, timezone.utc) for t, _ in points]
            ax.plot(xs, [v * 100 if unit == "percentunit" else v for _, v in points], linewidth=1.2,
                    label=legend(target.get("legendFormat", ""), series["metric"])[:40])
            lines += 1
    if lines == 0:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if lines <= 12:
        ax.legend(fontsize=5, loc="upper left", framealpha=0.6, ncol=2 if lines > 6 else 1)
    ax.tick_params(labelsize=6)
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%H:%M"))
    ax.set_ylabel({"ops": "per second", "s": "seconds", "percentunit": "%"}.get(unit, ""), fontsize=6)
    ax.grid(alpha=0.3)


def draw_stat(ax, panel, prometheus, variables, end):
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    result = query(prometheus, "query", query=substitute(panel["targets"][0]["expr"], variables), time=end)
    value = float(result[0]["value"][1]) if result else None
    ax.text(0.5, 0.4, formatted(value, unit), ha="center", va="center", fontsize=18, weight="bold", transform=ax.transAxes)
    ax.axis("off")


def draw_table(ax, panel, prometheus, variables, end):
    result = query(prometheus, "query", query=substitute(panel["targets"][0]["expr"], variables), time=end)
    result.sort(key=lambda s: -float(s["value"][1]))
    ax.axis("off")
    if not result:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")
        return
    keys = sorted({k for s in result for k in s["metric"]})
    rows = [[s["metric"].get(k, "")[:36] for k in keys] + [formatted(float(s["value"][1]), None)] for s in result[:8]]
    table = ax.table(cellText=rows, colLabels=keys + ["value"], loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(6)
    table.scale(1, 1.1)


def plot(dashboard, prometheus, minutes, out):
    uid = dashboard["uid"]
    end = time.time()
    start = end - minutes * 60
    variables = {"system": ".*", "queue": ".*", "name": ".*", "datasource": "prometheus",
                 "__rate_interval": "1m", "__range": f"{minutes}m", "__interval": "15s"}
    subtitle = "all systems, queues and jobs"
    if uid == "jobexporter-job":
        # The job that fails the most among those that also succeed: both outcomes on the picture.
        worst = query(prometheus, "query", query=f"topk(1, sum by (name) (increase(jobs_failed_total[{minutes}m])) "
                      f"and sum by (name) (increase(jobs_succeeded_total[{minutes}m])) > 0)", time=end)
        # A regex in a PromQL string: its backslashes escaped once more, as Grafana does.
        variables["name"] = re.escape(worst[0]["metric"]["name"]).replace("\\", "\\\\") if worst else ".*"
        subtitle = f"job {worst[0]['metric']['name']}" if worst else subtitle
    panels = dashboard["panels"]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    row_inches, header_inches, width_inches = 0.42, 0.9, 16
    height = rows * row_inches + header_inches
    fig = plt.figure(figsize=(width_inches, height))
    fig.text(0.01, 1 - 0.3 / height, f"{dashboard['title']} ({subtitle}, last {minutes} min)", fontsize=13, weight="bold", va="center")
    fig.text(0.01, 1 - 0.62 / height, f"{LABEL}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", fontsize=8, color="dimgrey", va="center")

    def box(g, top_inches, bottom_inches, left_inches):
        """A grid position as a figure rectangle, less room for a title above and tick labels below and left."""
        x0 = 0.01 + 0.98 * g["x"] / 24 + left_inches / width_inches
        x1 = 0.01 + 0.98 * (g["x"] + g["w"]) / 24 - 0.15 / width_inches
        y_top = 1 - (header_inches + g["y"] * row_inches + top_inches) / height
        y_bottom = 1 - (header_inches + (g["y"] + g["h"]) * row_inches - bottom_inches) / height
        return [x0, y_bottom, x1 - x0, y_top - y_bottom]

    drawn = []
    for panel in panels:
        g = panel["gridPos"]
        if panel["type"] == "row":
            fig.text(0.01, 1 - (header_inches + (g["y"] + 0.5) * row_inches) / height, panel["title"], fontsize=11, weight="bold", va="center")
            drawn.append(f"row\t{panel['title']}")
            continue
        series = panel["type"] == "timeseries"
        ax = fig.add_axes(box(g, 0.25, 0.35 if series else 0.05, 0.45 if series else 0.0))
        ax.set_title(panel["title"], fontsize=8, loc="left")
        if series:
            draw_timeseries(ax, panel, prometheus, variables, start, end, max(15, minutes * 60 // 200))
        elif panel["type"] == "stat":
            draw_stat(ax, panel, prometheus, variables, end)
        elif panel["type"] == "table":
            draw_table(ax, panel, prometheus, variables, end)
        else:
            raise SystemExit(f"{uid}: panel type {panel['type']} ('{panel['title']}') is not drawn by this script")
        drawn.append(f"{panel['type']}\t{panel['title']}")
    name = DASHBOARDS[uid]
    fig.savefig(f"{out}/{name}.png", dpi=90)
    plt.close(fig)
    with open(f"{out}/{name}.panels.txt", "w") as f:
        f.write("".join(line + "\n" for line in drawn))
    print(f"{out}/{name}.png: {len(drawn)} panels of {uid}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--minutes", type=int, default=6)
    parser.add_argument("--dashboards", default="mixin/dashboards_out")
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args()
    for uid in DASHBOARDS:
        with open(f"{args.dashboards}/{uid}.json") as f:
            plot(json.load(f), args.prometheus.rstrip("/"), args.minutes, args.out)


if __name__ == "__main__":
    sys.exit(main())
