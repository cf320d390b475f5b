"""The whole loop on CDNOW: what `precimark demo --output DIR` runs (profile, CLV, propensity,
pricing, KPIs), writing the per-customer results to a temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from precimark.cli import main

with tempfile.TemporaryDirectory() as folder:
    assert main(["demo", "--output", folder]) == 0
    print("written:", ", ".join(sorted(p.name for p in Path(folder).iterdir())))
