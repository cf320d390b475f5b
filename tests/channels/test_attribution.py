from __future__ import annotations

import contextlib
import io
from itertools import combinations, pairwise, permutations

import numpy as np
import pandas as pd
import pytest

from precimark import channels
from precimark.channels import attribution
from precimark.datasets import make_journeys
from precimark.exceptions import DataValidationError

# Distinct paths with their conversions and non-conversions (the ChannelAttribution layout).
_PATHS = [
    (("a", "b", "c"), 3, 1),
    (("a", "a", "c"), 1, 2),
    (("b",), 2, 3),
    (("c", "b"), 0, 4),
    (("a", "c"), 1, 1),
    (("b", "a", "b"), 2, 1),
]


def _journeys() -> pd.DataFrame:
    rows: list[tuple[tuple[str, ...], bool, float]] = []
    for path, conv, null in _PATHS:
        rows += [(path, True, 10.0)] * conv + [(path, False, 0.0)] * null
    return pd.DataFrame(rows, columns=["path", "converted", "revenue"])


def test_heuristics_equal_a_count_by_hand() -> None:
    j = _journeys()
    first = channels.attribute(j, "first")["conversions"]
    assert first.to_dict() == {"a": 5.0, "b": 4.0, "c": 0.0}
    last = channels.attribute(j, "last")["conversions"]
    assert last.to_dict() == {"a": 0.0, "b": 4.0, "c": 5.0}
    # a>b>c x3: 1 each; a>a>c: a 2/3, c 1/3; b x2: 2; a>c: 1/2 each; b>a>b x2: b 4/3, a 2/3
    linear = channels.attribute(j, "linear")["conversions"]
    expected = {"a": 1 + 2 / 3 + 0.5 + 2 / 3, "b": 1 + 2 + 4 / 3, "c": 1 + 1 / 3 + 0.5}
    assert linear.to_dict() == pytest.approx(expected)
    position = channels.attribute(j, "position")["conversions"]
    # three touches: 0.4 / 0.2 / 0.4; two: 0.5 / 0.5
    assert position.to_dict() == pytest.approx(
        {"a": 3 * 0.4 + 0.6 + 0.5 + 2 * 0.2, "b": 3 * 0.2 + 2 + 2 * 0.8, "c": 3 * 0.4 + 0.4 + 0.5}
    )
    custom = channels.attribute(j, "position", position_weights=(0.6, 0.2))["conversions"]
    assert custom["c"] == pytest.approx(3 * 0.2 + 0.2 + 0.25)
    for model in ("first", "last", "linear", "position"):
        result = channels.attribute(j, model)
        assert result["conversions"].sum() == pytest.approx(9)
        assert result["revenue"].sum() == pytest.approx(90)


def test_time_decay_halves_per_half_life() -> None:
    j = pd.DataFrame(
        {
            "path": [("a", "b"), ("a",)],
            "converted": [True, False],
            "revenue": [30.0, 0.0],
            "days_before": [(7.0, 0.0), (0.0,)],
        }
    )
    result = channels.attribute(j, "time_decay", half_life="7D")
    assert result["conversions"].to_dict() == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert result["revenue"].to_dict() == pytest.approx({"a": 10.0, "b": 20.0})
    with pytest.raises(DataValidationError, match="missing column 'days_before'"):
        channels.attribute(j.drop(columns="days_before"), "time_decay")


def _markov_by_hand() -> dict[str, float]:
    """Removal effects of the first-order chain of _PATHS, solved with numpy directly."""
    states = ["a", "b", "c"]
    counts = np.zeros((4, 5))  # rows: start, a, b, c; columns: a, b, c, conv, null
    for path, conv, null in _PATHS:
        n = conv + null
        counts[0, states.index(path[0])] += n
        for x, y in pairwise(path):
            counts[1 + states.index(x), states.index(y)] += n
        counts[1 + states.index(path[-1]), 3] += conv
        counts[1 + states.index(path[-1]), 4] += null
    p = counts / counts.sum(axis=1, keepdims=True)

    def reach(keep: np.ndarray) -> float:
        q = p[1:, :3] * keep[:, None]
        x = np.linalg.solve(np.eye(3) - q, p[1:, 3] * keep)
        return float(p[0, :3] @ (keep * x))

    base = reach(np.ones(3))
    return {s: 1 - reach(np.arange(3) != i) / base for i, s in enumerate(states)}


def test_markov_removal_effect_equals_a_by_hand_solution() -> None:
    result = channels.attribute(_journeys(), "markov")
    assert result["removal_effect"].to_dict() == pytest.approx(_markov_by_hand(), rel=1e-10)
    assert result["conversions"].sum() == pytest.approx(9)
    assert result["revenue"].sum() == pytest.approx(90)
    # revenue 10 per conversion everywhere: revenue shares equal conversion shares
    assert (result["revenue"] / 10).to_numpy() == pytest.approx(result["conversions"].to_numpy())


def _channel_attribution(order: int) -> pd.DataFrame:
    ca = pytest.importorskip("ChannelAttribution", exc_type=ImportError)
    data = pd.DataFrame(
        {
            "path": [" > ".join(p) for p, _, _ in _PATHS],
            "conv": [c for _, c, _ in _PATHS],
            "null": [n for _, _, n in _PATHS],
        }
    )
    with contextlib.redirect_stdout(io.StringIO()):
        out = ca.markov_model(
            data,
            "path",
            "conv",
            var_null="null",
            order=order,
            out_more=True,
            verbose=False,
            flg_pro=False,
            max_step=200,
            nsim_start=2e5,
            seed=1,
        )
    return out["removal_effects"].set_index("channel_name")


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_equals_the_channelattribution_package(order: int) -> None:
    # ChannelAttribution estimates removal effects by simulating 2e5 paths or more (max_step raised
    # from its default, the longest observed path, which truncates the chain's loops); its
    # Monte Carlo error here is about 0.003.
    reference = _channel_attribution(order)["removal_effect"]
    mine = channels.attribute(_journeys(), "markov", order=order)["removal_effect"]
    assert mine.to_dict() == pytest.approx(reference.to_dict(), abs=0.01)


def test_shapley_efficiency_and_symmetry() -> None:
    j = _journeys()
    result = channels.attribute(j, "shapley")
    # values sum to the chain's conversion probability, which is the conversion rate
    assert result["shapley_value"].sum() == pytest.approx(9 / 21)
    assert result["conversions"].sum() == pytest.approx(9)
    symmetric = pd.DataFrame(
        {
            "path": [("x", "z"), ("y", "z"), ("x",), ("y",)] * 3,
            "converted": [True, True, False, False] * 3,
            "revenue": [5.0, 5.0, 0.0, 0.0] * 3,
        }
    )
    values = channels.attribute(symmetric, "shapley")["shapley_value"]
    assert values["x"] == pytest.approx(values["y"])


def test_exact_shapley_equals_the_permutation_definition() -> None:
    j = _journeys()
    exact = channels.attribute(j, "shapley")["shapley_value"]
    # average marginal contribution over all 6 orders, the game solved by hand
    states = ["a", "b", "c"]
    base = channels.attribute(j, "markov")  # noqa: F841 - the chain is the same
    paths = attribution.compress(j, None, None, need_days=False)
    chain = attribution._chain(paths, 1)
    q = chain.q.toarray()

    def v(members: set[str]) -> float:
        keep = np.array([1.0 if s in members else 0.0 for s in states] + [1.0])
        x = np.linalg.solve(np.eye(4) - keep[:, None] * q, keep * chain.conversion)
        return float(x[chain.start])

    phi = dict.fromkeys(states, 0.0)
    for order in permutations(states):
        seen: set[str] = set()
        for s in order:
            phi[s] += (v(seen | {s}) - v(seen)) / 6
            seen.add(s)
    assert exact.to_dict() == pytest.approx(phi)


def test_sampled_shapley_approaches_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    j = _journeys()
    exact = channels.attribute(j, "shapley")["shapley_value"]
    monkeypatch.setattr(attribution, "SHAPLEY_EXACT_MAX", 2)
    sampled = channels.attribute(j, "shapley", n_permutations=3000, random_state=0)
    assert sampled["shapley_value"].to_numpy() == pytest.approx(exact.to_numpy(), abs=0.01)
    again = channels.attribute(j, "shapley", n_permutations=3000, random_state=0)
    pd.testing.assert_frame_equal(sampled, again)


def test_models_on_a_simulator_with_known_effects() -> None:
    sim = make_journeys(20000, organic_rate=0.0, random_state=3)
    j = channels.journeys(sim.touchpoints, sim.transactions)
    truth = sim.true_removal_effect
    truth_share = truth / truth.sum()
    markov = channels.attribute(j, "markov")
    # removal effects: binomial error of ~2,500 conversions, a few points
    assert markov["removal_effect"].to_numpy() == pytest.approx(truth.to_numpy(), abs=0.03)
    assert list(markov["conversions"].rank()) == list(truth.rank())
    share = markov["conversions"] / markov["conversions"].sum()
    assert np.abs(share - truth_share).max() < 0.03
    # e-mail's repeated touches mislead the touch-counting rules; last touch over-credits
    # search; first touch ranks right here but its shares are off by about 0.1.
    for model in ("last", "linear", "position", "time_decay"):
        credit = channels.attribute(j, model)["conversions"]
        assert list(credit.rank()) != list(truth.rank()), model
    first = channels.attribute(j, "first")["conversions"]
    assert np.abs(first / first.sum() - truth_share).max() > 0.08


def _misordered(credit: pd.Series, share: pd.Series, gap: float) -> list[tuple[str, str]]:
    """Pairs of channels whose true shares differ by more than ``gap`` that credit reverses."""
    return [
        (a, b)
        for a, b in combinations(share.index, 2)
        if abs(share[a] - share[b]) > gap and (share[a] - share[b]) * (credit[a] - credit[b]) <= 0
    ]


@pytest.mark.parametrize("seed", [0, 4, 5, 6])
def test_data_driven_models_order_separated_channels_where_last_touch_does_not(seed: int) -> None:
    # The truth is the chain's removal effect. E-mail and social are nearly tied in it (shares
    # 0.110 and 0.116): Shapley values, a different estimand (a channel's average marginal
    # contribution over coalitions of channels, touch counts ignored), may order that pair
    # either way, so the claim is about pairs more than 0.02 apart. Markov and Shapley order
    # all of them on every seed; last touch credits e-mail above video (0.15 vs 0.09 against
    # a truth of 0.11 vs 0.24).
    sim = make_journeys(20000, organic_rate=0.0, random_state=seed)
    j = channels.journeys(sim.touchpoints, sim.transactions)
    share = sim.true_removal_effect / sim.true_removal_effect.sum()
    for model in ("markov", "shapley"):
        assert _misordered(channels.attribute(j, model)["conversions"], share, 0.02) == [], model
    last = channels.attribute(j, "last")["conversions"]
    assert ("email", "video") in _misordered(last, share, 0.02)


def test_bad_journeys_are_refused() -> None:
    j = _journeys()
    with pytest.raises(DataValidationError, match=r"channel not in channels= \(first: 'c'\)"):
        channels.attribute(j, "last", channels=["a", "b"])
    empty = pd.DataFrame(
        {
            "customer_id": [7, 8],
            "path": [(), ("a",)],
            "converted": [True, True],
            "revenue": [1.0, 2.0],
        }
    )
    with pytest.raises(
        DataValidationError, match=r"1 converting journey with an empty path \(first customer: 7\)"
    ):
        channels.attribute(empty, "linear")
    with pytest.raises(DataValidationError, match="21 paths that are not tuples"):
        channels.attribute(j.assign(path="a > b"), "linear")
    with pytest.raises(DataValidationError, match="revenue that did not convert"):
        channels.attribute(j.assign(revenue=1.0), "linear")
    with pytest.raises(DataValidationError, match="argument 'model'"):
        channels.attribute(j, "u_shaped")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'order'"):
        channels.attribute(j, "markov", order=4)
    with pytest.raises(DataValidationError, match="argument 'position_weights'"):
        channels.attribute(j, "position", position_weights=(0.7, 0.7))


def test_untouched_known_channels_get_zero_credit() -> None:
    result = channels.attribute(_journeys(), "markov", channels=["a", "b", "c", "tv"])
    assert result.loc["tv"].tolist() == [0.0, 0.0, 0.0]


def test_a_touch_after_the_conversion_is_refused() -> None:
    j = pd.DataFrame(
        {
            "customer_id": [3, 4],
            "path": [("a", "b"), ("a",)],
            "converted": [True, True],
            "revenue": [1.0, 1.0],
            "days_before": [(2.0, 0.0), (-1.0,)],
        }
    )
    with pytest.raises(
        DataValidationError,
        match=r"1 journey with a touch after the conversion .*first customer: 4",
    ):
        channels.attribute(j, "time_decay")


def test_a_changed_path_column_is_coded_afresh() -> None:
    # attribute() reuses the last path coding while the column holds the same tuple objects
    j = _journeys()
    first = channels.attribute(j, "markov")
    again = channels.attribute(j, "markov")
    pd.testing.assert_frame_equal(first, again)
    # equal tuples that are other objects: coded afresh, same answer
    rebuilt = j.assign(path=[tuple(list(p)) for p in j["path"]])
    pd.testing.assert_frame_equal(channels.attribute(rebuilt, "markov"), first)
    # a path replaced in place in the same frame: the new path counts
    j.loc[0, "path"] = ("a",)  # was ("a", "b", "c"), converting
    changed = channels.attribute(j, "last")
    expected = channels.attribute(j.assign(path=[tuple(list(p)) for p in j["path"]]), "last")
    pd.testing.assert_frame_equal(changed, expected)
    before = channels.attribute(rebuilt, "last")["conversions"]
    assert (changed["conversions"] - before).to_dict() == {"a": 1.0, "b": 0.0, "c": -1.0}
    # a known channel list that lacks a channel of the cached paths is still refused
    with pytest.raises(DataValidationError, match=r"channel not in channels= \(first: 'c'\)"):
        channels.attribute(j, "last", channels=["a", "b"])


def test_dense_state_codes_are_unique_with_inverse() -> None:
    codes = np.array([7, 3, 3, 0, 7, 12])
    for space in (13, 2**21):  # the table, and the sort beyond a large code space
        distinct, inverse = attribution._dense(codes, space)
        expected, expected_inverse = np.unique(codes, return_inverse=True)
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(inverse, expected_inverse)
