"""A small scoring service on the standard library: profile, CLV, propensity and price as JSON.

``build_artefacts(folder)`` fits everything on CDNOW and saves what a service needs:

- ``clv_purchase.json`` / ``clv_spend.json``: the BG/NBD and Gamma-Gamma models (``to_dict``);
- ``pricing_policy.json``: the differentiated pricing policy (``to_dict``);
- ``propensity.json``: the calibrated propensity model (``to_dict``: its gradient-boosted trees
  and calibrators as JSON, refused under another precimark or scikit-learn minor version; load
  only documents you wrote, as with pickles);
- ``customers.csv``: the per-customer profile and features the models read (a feature store).

The service loads no pickle. ``ScoringService(folder).answer(customer_id)`` returns one JSON-safe
dict, and ``serve`` exposes
it as ``GET /customers/<id>`` on localhost. Run this file to build the artefacts in a temporary
folder, start the server on a free loopback port, query one customer and stop.
"""

from __future__ import annotations

import json
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import precimark as pm
from precimark.clv import BetaGeoModel, GammaGammaModel
from precimark.datasets import load_cdnow
from precimark.pricing import PricingPolicy, differentiated_pricing_policy, explain
from precimark.propensity import PropensityModel, evaluate_out_of_time, make_snapshots

END = pd.Timestamp("1998-06-30")
LIST_PRICE = 15.0


def build_artefacts(folder: Path) -> None:
    """Fit the models on CDNOW and write everything the service loads."""
    folder.mkdir(parents=True, exist_ok=True)
    tx = load_cdnow(sample=True)
    rfm = pm.rfm_summary(tx, observation_end=END, time_unit="W")
    purchase = BetaGeoModel().fit(rfm)
    spend = GammaGammaModel().fit(rfm)
    (folder / "clv_purchase.json").write_text(json.dumps(purchase.to_dict()))
    (folder / "clv_spend.json").write_text(json.dumps(spend.to_dict()))

    cutoffs = [pd.Timestamp(d) for d in ("1997-09-30", "1997-12-31", "1998-03-31")]
    evaluation = evaluate_out_of_time(make_snapshots(tx, cutoffs=cutoffs, horizon=90), horizon=90)
    (folder / "propensity.json").write_text(json.dumps(evaluation.model.to_dict()))
    features = make_snapshots(tx, cutoffs=[END], horizon=90, labels=False).droplevel("cutoff")

    profile = pm.CustomerProfiler().fit_transform(tx, observation_end=END)
    rng = np.random.default_rng(7)  # CDNOW has no consent flags or channels: simulated here
    recent = tx[tx["date"] > END - pd.Timedelta(days=365)]
    customers = rfm.join(profile[["segment", "orders", "total_spend"]]).join(
        features[list(evaluation.model.feature_names_in_)].add_prefix("feature__")
    )
    customers["orders_365d"] = (
        recent.groupby("customer_id")["date"].nunique().reindex(customers.index, fill_value=0)
    )
    customers["price_sensitivity"] = rng.beta(2.0, 5.0, len(customers))
    customers["channel"] = rng.choice(["card", "wallet"], len(customers))
    customers["uplift"] = 0.01
    customers["consent_personalised_pricing"] = rng.random(len(customers)) < 0.8
    customers.to_csv(folder / "customers.csv")
    policy = differentiated_pricing_policy(channel_discounts={"wallet": 0.03})
    (folder / "pricing_policy.json").write_text(json.dumps(policy.to_dict()))


class ScoringService:
    """Answers per-customer questions from saved artefacts (no training data, no refits)."""

    def __init__(self, folder: Path) -> None:
        self.purchase = BetaGeoModel.from_dict(
            json.loads((folder / "clv_purchase.json").read_text())
        )
        self.spend = GammaGammaModel.from_dict(json.loads((folder / "clv_spend.json").read_text()))
        self.policy = PricingPolicy.from_dict(
            json.loads((folder / "pricing_policy.json").read_text())
        )
        self.propensity = PropensityModel.from_dict(
            json.loads((folder / "propensity.json").read_text())
        )
        self.customers = pd.read_csv(folder / "customers.csv", index_col="customer_id")

    def answer(self, customer_id: int) -> dict[str, Any]:
        """Return profile, CLV, propensity and price for one customer (or an error)."""
        if customer_id not in self.customers.index:
            return {"error": f"unknown customer {customer_id}"}
        row = self.customers.loc[[customer_id]]
        rfm = row[["frequency", "recency", "T", "monetary_value"]].copy()
        rfm.attrs["time_unit"] = "W"
        features = row.filter(like="feature__").rename(
            columns=lambda c: c.removeprefix("feature__")
        )
        decision = self.policy.decide(
            row, LIST_PRICE, consent="consent_personalised_pricing", at=END
        )
        return {
            "customer_id": int(customer_id),
            "profile": {
                "segment": str(row["segment"].iloc[0]),
                "orders": int(row["orders"].iloc[0]),
            },
            "probability_alive": float(self.purchase.probability_alive(rfm).iloc[0]),
            "expected_purchases_13w": float(self.purchase.expected_purchases(rfm, 13).iloc[0]),
            "clv_12x30d": float(
                pm.customer_lifetime_value(
                    self.purchase,
                    self.spend,
                    rfm,
                    horizon="360D",
                    discount_period="30D",
                    discount_rate=0.01,
                ).iloc[0]
            ),
            "propensity_90d": float(self.propensity.predict_proba(features)[0, 1]),
            "price": float(decision["final_price"].iloc[0]),
            "price_explanation": explain(decision.iloc[0]),
        }


def make_server(service: ScoringService, port: int = 0) -> ThreadingHTTPServer:
    """Return an HTTP server on 127.0.0.1 answering ``GET /customers/<id>``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if len(parts) != 2 or parts[0] != "customers" or not parts[1].isdigit():
                self._send(404, {"error": "use GET /customers/<id>"})
                return
            body = service.answer(int(parts[1]))
            self._send(404 if "error" in body else 200, body)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_artefacts(folder)
        server = make_server(ScoringService(folder))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/customers/1"
            with urllib.request.urlopen(url, timeout=10) as response:
                print(json.dumps(json.loads(response.read()), indent=2))
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
