"""A backtest for a person: the summary tables, and a plot of what it cost."""

from __future__ import annotations

from ._run import Backtest, Totals, bin_labels

__all__ = ["plot", "report"]

_COLUMNS = ("tickets", "owed", "goodwill", "cost", "on the spot", "escalated", "abuse", "faults")


def _row(label: str, totals: Totals) -> str:
    cells = (
        str(totals.tickets),
        f"{totals.owed:.2f}",
        f"{totals.goodwill:.2f}",
        f"{totals.cost:.2f}",
        f"{totals.granted_share:.1%}",
        str(totals.escalated),
        str(totals.abuse_flags),
        str(totals.plugin_faults),
    )
    return f"{label:<20}" + "".join(f"{cell:>13}" for cell in cells)


def report(backtest: Backtest) -> str:
    """The summary tables, for a person."""
    skipped = sum(backtest.skipped.values())
    lines = [f"tickets resolved: {backtest.resolved}", f"skipped: {skipped}"]
    if skipped:
        seen = skipped + backtest.resolved
        lines.insert(0, f"note: {skipped} of {seen} tickets were skipped and are not in the totals")
    lines.extend(f"  {count:>8}  {reason}" for reason, count in sorted(backtest.skipped.items()))
    lines.extend(f"  bad row: {row}" for row in backtest.bad_rows[:5])
    if backtest.bad_count > 5:  # a few examples are enough
        lines.append(f"  ... and {backtest.bad_count - 5} more bad rows")
    for summary in backtest.summaries:
        lines += ["", f"policy {summary.policy!r} (amounts in {summary.currency})"]
        lines.append(" " * 20 + "".join(f"{column:>13}" for column in _COLUMNS))
        lines.append(_row("all", summary.total))
        lines.append("by kind")
        lines.extend(_row(f"  {kind}", t) for kind, t in sorted(summary.by_kind.items()))
        lines.append("by fault")
        lines.extend(_row(f"  {fault}", t) for fault, t in sorted(summary.by_fault.items()))
    if len(backtest.summaries) > 1:
        first, second = (summary.policy for summary in backtest.summaries)
        lines += [
            "",
            f"compared with {first!r}, under {second!r}:",
            f"  {backtest.more} customer(s) would get more",
            f"  {backtest.less} customer(s) would get less",
            f"  {backtest.same} customer(s) would get the same",
        ]
    return "\n".join(lines)


def plot(backtest: Backtest, path: str) -> None:
    """Draw the goodwill distribution and the cumulative cost of each policy to a PNG."""
    import matplotlib  # noqa: PLC0415  # an optional extra, loaded only for --plot

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, (bars, curves) = pyplot.subplots(1, 2, figsize=(12, 4.5))
    labels = bin_labels()
    width = 0.8 / len(backtest.summaries)
    for number, summary in enumerate(backtest.summaries):
        positions = [index + number * width for index in range(len(labels))]
        bars.bar(positions, summary.goodwill_bins, width=width, label=summary.policy)
        steps = [0] + [tickets for tickets, _ in summary.cost_curve]
        costs = [0.0] + [float(cost) for _, cost in summary.cost_curve]
        curves.plot(steps, costs, label=summary.policy)
    currency = backtest.summaries[0].currency
    bars.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    bars.set(title="Goodwill per ticket", xlabel=currency, ylabel="tickets")
    curves.set(title="Cumulative cost to the business", xlabel="tickets", ylabel=currency)
    bars.legend()
    curves.legend()
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)
