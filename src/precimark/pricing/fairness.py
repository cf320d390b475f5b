"""Fairness of prices across groups: a group-metric frame per product, with intervals.

:func:`fairness_frame` computes, for each product and each group (e.g. of a protected attribute
the policy never reads), the offer rate, the mean discount rate and the mean final price, then
compares the groups per product: the ratio (smallest over largest group value) and the
difference (largest minus smallest), as fairlearn's ``MetricFrame.ratio()`` and
``MetricFrame.difference()`` do (``method="between_groups"``). Every value has a percentile
bootstrap interval, resampling customers within each product and group (group sizes fixed);
the intervals of the ratio and the difference follow the two groups that are lowest and
highest in the data, so they can include parity (ratio 1, difference 0).
Products are never mixed: a discount on one product says nothing about another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from precimark._typing import SeedLike
from precimark._validation import (
    check_columns,
    check_frame,
    check_number,
    check_probability,
    fail,
    fail_rows,
    to_rng,
)
from precimark.pricing._arrays import FloatArray

__all__ = ["FAIRNESS_METRICS", "FairnessFrame", "fairness_frame"]

FAIRNESS_METRICS: tuple[str, ...] = ("offer_rate", "mean_discount_rate", "mean_final_price")
"""Metrics of :func:`fairness_frame`, per product and group."""

_OFFERED = 1e-9


@dataclass(frozen=True)
class FairnessFrame:
    """Group metrics per product, their between-group ratios and differences, with intervals.

    Attributes
    ----------
    by_group : DataFrame
        Indexed by (``product``, group): ``n`` and, per metric of :data:`FAIRNESS_METRICS`,
        its value and ``{metric}_ci_low`` / ``{metric}_ci_high``.
    comparison : DataFrame
        Indexed by (``product``, ``metric``): ``ratio`` (smallest / largest group value; 1 when
        every group is at 0), ``difference`` (largest - smallest), each with ``_ci_low`` and
        ``_ci_high``, and the ``lowest_group`` and ``highest_group``.
    confidence : float
    n_resamples : int
    """

    by_group: pd.DataFrame
    comparison: pd.DataFrame
    confidence: float
    n_resamples: int

    def ratio(self) -> pd.DataFrame:
        """Return the between-group ratios as a product x metric table.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.pricing import fairness_frame
        >>> d = pd.DataFrame({"product": "p", "discount_rate": [0.1, 0.0, 0.1, 0.1],
        ...                   "final_price": [90.0, 100, 90, 90]})
        >>> frame = fairness_frame(d, pd.Series(["a", "a", "b", "b"]), n_resamples=50)
        >>> frame.ratio()
        metric   offer_rate  mean_discount_rate  mean_final_price
        product
        p               0.5                 0.5          0.947368
        """
        return self._table("ratio")

    def difference(self) -> pd.DataFrame:
        """Return the between-group differences as a product x metric table.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.pricing import fairness_frame
        >>> d = pd.DataFrame({"product": "p", "discount_rate": [0.1, 0.0, 0.1, 0.1],
        ...                   "final_price": [90.0, 100, 90, 90]})
        >>> fairness_frame(d, pd.Series(["a", "a", "b", "b"]), n_resamples=50).difference()
        metric   offer_rate  mean_discount_rate  mean_final_price
        product
        p               0.5                0.05               5.0
        """
        return self._table("difference")

    def _table(self, column: str) -> pd.DataFrame:
        flat = self.comparison[column].reset_index()
        table = flat.pivot_table(index="product", columns="metric", values=column, sort=False)
        return table.loc[:, list(FAIRNESS_METRICS)]

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`by_group`."""
        return self.by_group.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict: groups and comparisons as lists of records."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = frame.reset_index()
            return [
                {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in out.astype(object).to_dict(orient="records")
            ]

        return {
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "by_group": records(self.by_group.rename(index=str)),
            "comparison": records(self.comparison),
        }


def _groups(frame: pd.DataFrame, by: object, customers: pd.DataFrame | None) -> pd.Series[Any]:
    if isinstance(by, pd.Series):
        if by.index.is_unique and frame.index.isin(by.index).all():
            groups = by.reindex(frame.index)
        elif len(by) == len(frame):
            groups = pd.Series(by.to_numpy(), index=frame.index, name=by.name)
        else:
            raise fail(
                "argument 'by'",
                f"a Series of {len(by)} labels not indexed by the decisions' customers",
                "group labels indexed by customer id",
            )
    elif isinstance(by, str) and by in frame.columns:
        groups = frame[by]
    elif isinstance(by, str) and customers is not None:
        check_columns(customers, [by], "customers")
        groups = customers[by].reindex(frame.index)
    else:
        raise fail("argument 'by'", repr(by), "a column of decisions or customers, or a Series")
    missing = groups.isna().to_numpy()
    if missing.any():
        raise fail_rows(
            "argument 'by'", missing, frame.index, "customer without a group", "a group for each"
        )
    return groups


def _resampled_means(values: FloatArray, n_resamples: int, rng: np.random.Generator) -> FloatArray:
    """Bootstrap means of each column of ``values`` (rows x metrics): resamples x metrics."""
    n = values.shape[0]
    out = np.empty((n_resamples, values.shape[1]))
    chunk = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        idx = rng.integers(0, n, (stop - start, n))
        out[start:stop] = values[idx].mean(axis=1)
    return out


def fairness_frame(
    decisions: pd.DataFrame,
    by: str | pd.Series[Any],
    *,
    customers: pd.DataFrame | None = None,
    confidence: float = 0.95,
    n_resamples: int = 500,
    random_state: SeedLike = 0,
) -> FairnessFrame:
    """Compare offers and prices across groups, per product, with bootstrap intervals.

    Parameters
    ----------
    decisions : DataFrame
        Output of :meth:`PricingPolicy.decide` (``product`` optional: one product if absent).
    by : str or Series
        A column of ``decisions`` or of ``customers``, or group labels indexed by customer id
        (or aligned with the decision rows).
    customers : DataFrame, optional
        Customer attributes indexed by customer id (when ``by`` names one of its columns).
    confidence : float, default 0.95
        Level of the percentile bootstrap intervals.
    n_resamples : int, default 500
        Bootstrap resamples (>= 20).
    random_state : int or Generator, default 0

    Returns
    -------
    FairnessFrame

    Notes
    -----
    With group values ``m_g`` of one metric and product, ``ratio = min m_g / max m_g`` and
    ``difference = max m_g - min m_g``: fairlearn's ``MetricFrame(...).ratio()`` and
    ``.difference()`` with ``method="between_groups"`` on the same rows (a test checks this
    when fairlearn is installed). A ratio of 1 means parity (the "four-fifths rule" flags a
    ratio below 0.8).

    Examples
    --------
    >>> from precimark.datasets import make_pricing_log
    >>> from precimark.pricing import PricingPolicy, SensitivityDiscount, fairness_frame
    >>> sim = make_pricing_log(2_000, random_state=0)
    >>> d = PricingPolicy([SensitivityDiscount(threshold=0.5)]).decide(sim.log, 100.0, at=sim.at)
    >>> frame = fairness_frame(d, "age_group", customers=sim.log, n_resamples=100)
    >>> frame.by_group.index.names
    FrozenList(['product', 'age_group'])
    >>> row = frame.comparison.loc[("default", "offer_rate")]
    >>> bool(row["ratio_ci_low"] <= row["ratio"] <= row["ratio_ci_high"] < 0.8)
    True
    """
    frame = check_frame(decisions, "decisions")
    check_columns(frame, ["discount_rate", "final_price"], "decisions")
    confidence = check_probability(confidence, "confidence", inclusive="neither")
    n_resamples = int(check_number(n_resamples, "n_resamples", low=20, integer=True))
    groups = _groups(frame, by, customers)
    name = str(groups.name) if groups.name is not None else "group"
    if not isinstance(by, pd.Series):
        name = str(by)
    rate = frame["discount_rate"].to_numpy(np.float64)
    values = np.column_stack(
        [rate > _OFFERED, rate, frame["final_price"].to_numpy(np.float64)]
    ).astype(np.float64)
    product = (
        frame["product"].astype(str).to_numpy()
        if "product" in frame.columns
        else np.full(len(frame), "default", dtype=object)
    )
    rng = to_rng(random_state)
    alpha = (1 - confidence) / 2
    group_rows: list[dict[str, Any]] = []
    compare_rows: list[dict[str, Any]] = []
    for p in pd.unique(product):
        in_product = product == p
        labels = groups.to_numpy()[in_product]
        order = sorted(pd.unique(labels), key=str)
        if len(order) < 2:
            raise fail(
                "argument 'by'",
                f"one group only ({order[0]!r}) for product {p!r}",
                "at least two groups to compare",
            )
        point = np.empty((len(order), len(FAIRNESS_METRICS)))
        boot = np.empty((n_resamples, len(order), len(FAIRNESS_METRICS)))
        for j, g in enumerate(order):
            rows = values[in_product][labels == g]
            point[j] = rows.mean(axis=0)
            boot[:, j] = _resampled_means(rows, n_resamples, rng)
            record: dict[str, Any] = {"product": p, name: g, "n": len(rows)}
            for k, metric in enumerate(FAIRNESS_METRICS):
                record[metric] = float(point[j, k])
                low, high = np.quantile(boot[:, j, k], [alpha, 1 - alpha])
                record[f"{metric}_ci_low"], record[f"{metric}_ci_high"] = float(low), float(high)
            group_rows.append(record)
        for k, metric in enumerate(FAIRNESS_METRICS):
            low_j, high_j = int(np.argmin(point[:, k])), int(np.argmax(point[:, k]))
            ratio = float(_ratio(point[low_j, k : k + 1], point[high_j, k : k + 1])[0])
            # the same two groups in every resample, so the interval can reach parity
            ratio_boot = _ratio(boot[:, low_j, k], boot[:, high_j, k])
            r_low, r_high = np.quantile(ratio_boot, [alpha, 1 - alpha])
            d_low, d_high = np.quantile(boot[:, high_j, k] - boot[:, low_j, k], [alpha, 1 - alpha])
            compare_rows.append(
                {
                    "product": p,
                    "metric": metric,
                    "ratio": ratio,
                    "ratio_ci_low": float(r_low),
                    "ratio_ci_high": float(r_high),
                    "difference": float(point[high_j, k] - point[low_j, k]),
                    "difference_ci_low": float(d_low),
                    "difference_ci_high": float(d_high),
                    "lowest_group": order[low_j],
                    "highest_group": order[high_j],
                }
            )
    by_group = pd.DataFrame(group_rows).set_index(["product", name])
    comparison = pd.DataFrame(compare_rows).set_index(["product", "metric"])
    return FairnessFrame(by_group, comparison, confidence, n_resamples)


def _ratio(low: FloatArray, high: FloatArray) -> FloatArray:
    """``low / high``: 1 where both are 0 (equal at 0), inf where only ``high`` is 0."""
    safe = np.where(high > 0, high, 1.0)
    out: FloatArray = np.where(high > 0, low / safe, np.where(low > 0, np.inf, 1.0))
    return out
