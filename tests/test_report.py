"""The HTML report: self-contained, escaped, the library's numbers, refusals, CLI, a real browser.

The browser test opens the report in headless Chromium (Debian's ``chromium``): no console
message (the report has no script, so any message is an error), every image loaded
(``naturalWidth > 0``, checked by a script injected into a test-only copy whose verdict is
read back with ``--dump-dom``) and a screenshot that is not a single colour. It is skipped when
no Chromium binary is on PATH.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from precimark import report
from precimark._display import cell
from precimark.cli import main
from precimark.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow
from precimark.exceptions import DataValidationError
from precimark.kpi import CampaignReport, evaluate_campaign
from precimark.profiling.rfm import rfm_summary
from precimark.propensity import PropensityModel

pytest.importorskip("matplotlib")

HOSTILE = "<script>alert('x')</script>"
PNG = b"\x89PNG\r\n\x1a\n"


def _fast_estimator() -> PropensityModel:
    """A quick propensity model (the default gradient boosting takes long on a loaded CI)."""
    return PropensityModel(
        estimator=make_pipeline(StandardScaler(), LogisticRegression()), calibration="sigmoid"
    )


class _Page(HTMLParser):
    """Tags with their attributes, and tables as rows of cell texts keyed by their bold title."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._last_text = ""
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.style = ""
        self._in_style = False
        self._in_strong = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = []
            self.tables[self._last_text] = self._table
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        self._in_style = tag == "style"
        self._in_strong = tag == "strong"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None
        self._in_style = False
        self._in_strong = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_style:
            self.style += data
        elif self._in_strong:
            self._last_text = data.strip()


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _transactions() -> pd.DataFrame:
    """The CDNOW sample with text ids; the top customer's id (1981, by CLV) is a script tag."""
    tx = load_cdnow(sample=True)
    tx["customer_id"] = "C" + tx["customer_id"].astype(str)
    tx.loc[tx["customer_id"] == "C1981", "customer_id"] = HOSTILE
    return tx


def _campaign(tx: pd.DataFrame) -> CampaignReport:
    rng = np.random.default_rng(7)
    ids = tx["customer_id"].unique()
    outcomes = pd.DataFrame(
        {"treated": rng.random(len(ids)) < 0.5, "revenue": rng.gamma(1.0, 20.0, len(ids))},
        index=pd.Index(ids, name="customer_id"),
    )
    outcomes.loc[rng.random(len(ids)) < 0.6, "revenue"] = 0.0
    return evaluate_campaign(
        outcomes, treatment="treated", revenue_column="revenue", name="spring mailing"
    )


@pytest.fixture(scope="module")
def built() -> tuple[str, pd.DataFrame, CampaignReport]:
    tx = _transactions()
    campaign = _campaign(tx)
    page = report.build(
        tx,
        campaigns=campaign,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        propensity_estimator=_fast_estimator(),
        top=5,
    )
    return page, tx, campaign


def test_the_report_is_one_self_contained_document(
    built: tuple[str, pd.DataFrame, CampaignReport],
) -> None:
    page, _, _ = built
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names and "link" not in names and "iframe" not in names
    for tag, attrs in parsed.tags:
        for attribute in ("src", "href"):
            value = attrs.get(attribute) or ""
            assert not value.startswith(("http://", "https://", "//")), (tag, value)
    assert "url(" not in parsed.style and "@import" not in parsed.style
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 2 + 5 + 2 + 1  # segments, CLV diagnostics, gains, the campaign


def test_every_image_is_an_inline_png(built: tuple[str, pd.DataFrame, CampaignReport]) -> None:
    from matplotlib.image import imread

    page, _, _ = built
    sources = [attrs["src"] for tag, attrs in _parse(page).tags if tag == "img"]
    assert len(sources) == 10
    for source in sources:
        assert source is not None and source.startswith("data:image/png;base64,")
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        assert data.startswith(PNG)
        pixels = imread(io.BytesIO(data), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert np.ptp(pixels[..., :3]) > 0  # not a single colour


def test_a_customer_id_with_a_script_tag_is_shown_escaped(
    built: tuple[str, pd.DataFrame, CampaignReport],
) -> None:
    page, _, _ = built
    assert "<script" not in page.lower()
    top = _parse(page).tables["Top customers by clv_12x30d"]
    assert top[1][0] == HOSTILE  # the parsed text is the id: it was escaped in the markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_the_top_customers_are_the_librarys_clv(
    built: tuple[str, pd.DataFrame, CampaignReport],
) -> None:
    page, tx, _ = built
    rfm = rfm_summary(tx, observation_end=CDNOW_OBSERVATION_END, time_unit="W")
    purchases, spend = BetaGeoModel().fit(rfm), GammaGammaModel().fit(rfm)
    clv = customer_lifetime_value(
        purchases, spend, rfm, horizon="360D", discount_period="30D", discount_rate=0.01
    ).sort_values(ascending=False)
    top = _parse(page).tables["Top customers by clv_12x30d"]
    header, rows = top[0], top[1:]
    assert header[-1] == report.CLV_COLUMN and len(rows) == 5
    assert [row[0] for row in rows] == [str(i) for i in clv.index[:5]]
    assert [row[-1] for row in rows] == [cell(float(v)) for v in clv.iloc[:5]]


def test_the_campaign_intervals_are_the_librarys(
    built: tuple[str, pd.DataFrame, CampaignReport],
) -> None:
    page, _, campaign = built
    table = _parse(page).tables["Campaign report: spring mailing"]
    header = table[0]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}
    for name in ("conversion_difference", "incremental_revenue"):
        estimate = campaign.estimates[name]
        assert rows[name]["ci_low"] == cell(estimate.ci_low)
        assert rows[name]["ci_high"] == cell(estimate.ci_high)
        assert float(rows[name]["ci_low"]) < float(rows[name]["ci_high"])


def test_ids_are_pseudonymised_with_a_key() -> None:
    tx = _transactions()
    page = report.build(
        tx,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        propensity_estimator=_fast_estimator(),
        pseudonym_key="a secret of sixteen bytes or more",
        top=4,
    )
    rows = _parse(page).tables["Top customers by clv_12x30d"][1:]
    assert len(rows) == 4
    for row in rows:
        assert len(row[0]) == 64 and int(row[0], 16) >= 0
    assert not {row[0] for row in rows} & set(tx["customer_id"])
    assert "&lt;script" not in page


def test_the_roster_consent_is_applied() -> None:
    tx = _transactions()
    ids = pd.Index(tx["customer_id"].unique(), name="customer_id")
    roster = pd.DataFrame(
        {
            "consent_profiling": np.arange(len(ids)) % 4 != 0,
            "consent_marketing": True,
        },
        index=ids,
    )
    page = report.build(
        tx,
        customers=roster,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        propensity_estimator=_fast_estimator(),
    )
    kept = int(roster["consent_profiling"].sum())
    assert f"{kept:,} customers" in page
    assert f"{len(ids) - kept:,} roster customers without profiling consent left out" in page
    with pytest.raises(DataValidationError, match="consent_profiling"):
        report.build(tx, customers=roster.drop(columns="consent_profiling"))


def test_bad_input_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    tx = _transactions()
    with pytest.raises(DataValidationError, match="amount"):
        report.build(tx.drop(columns="amount"))
    with pytest.raises(DataValidationError, match="calibration_end"):
        report.build(tx, calibration_end="2001-01-01")
    with pytest.raises(DataValidationError, match="CampaignReport"):
        report.build(tx, campaigns=[tx])  # type: ignore[list-item]
    with pytest.raises(DataValidationError, match="top"):
        report.build(tx, top=0)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'precimark\[plot\]'"):
        report.build(tx)


@pytest.fixture(scope="module")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("report-input")
    tx = load_cdnow(sample=True)
    tx = tx[tx["customer_id"].isin(tx["customer_id"].unique()[:800])]
    tx.to_csv(folder / "tx.csv", index=False)
    rng = np.random.default_rng(3)
    ids = tx["customer_id"].unique()
    pd.DataFrame(
        {
            "customer_id": ids,
            "treated": rng.random(len(ids)) < 0.5,
            "revenue": np.where(rng.random(len(ids)) < 0.3, rng.gamma(1.0, 20.0, len(ids)), 0.0),
        }
    ).to_csv(folder / "mailing.csv", index=False)
    return folder / "tx.csv", folder / "mailing.csv"


def test_the_cli_writes_the_report(
    small_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transactions, mailing = small_files
    target = tmp_path / "out" / "report.html"
    code = main(["report", str(transactions), "--campaign", str(mailing), "--output", str(target)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "consent not checked (no --customers roster)" in err
    page = target.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert "Campaign report: mailing" in parsed.tables
    assert "800 customers" in page


def test_the_cli_refuses_bad_input_in_one_line(
    small_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transactions, mailing = small_files
    assert main(["report", str(transactions), "--output", str(tmp_path / "r.csv")]) == 2
    assert ".html" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    pd.read_csv(mailing).drop(columns="treated").to_csv(bad, index=False)
    code = main(["report", str(transactions), "--campaign", str(bad), "--output", "x.html"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no column 'treated'" in err
    assert not Path("x.html").exists()


def test_the_cli_pseudonymises_with_the_key_from_the_environment(
    small_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transactions, _ = small_files
    target = tmp_path / "report.html"
    arguments = ["report", str(transactions), "--pseudonymize", "--top", "3"]
    monkeypatch.delenv("PRECIMARK_PSEUDONYM_KEY", raising=False)
    assert main([*arguments, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PRECIMARK_PSEUDONYM_KEY" in err
    monkeypatch.setenv("PRECIMARK_PSEUDONYM_KEY", "a secret of sixteen bytes or more")
    assert main([*arguments, "--output", str(target)]) == 0
    rows = _parse(target.read_text(encoding="utf-8")).tables["Top customers by clv_12x30d"][1:]
    assert len(rows) == 3 and all(len(row[0]) == 64 for row in rows)
    assert "sixteen bytes" not in target.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# A real browser.
# --------------------------------------------------------------------------------------------

_CHROMIUM = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (path := shutil.which(name))
    ),
    None,
)

_CHECK = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  var out = document.createElement("pre");
  out.id = "precimark-check";
  out.textContent = "images=" + images.length + " broken=" + broken.length;
  document.body.appendChild(out);
});
</script>"""


def _chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    assert _CHROMIUM is not None
    return subprocess.run(
        [_CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(_CHROMIUM is None, reason="no chromium/chromium-browser/google-chrome on PATH")
def test_the_report_renders_in_a_real_browser(
    built: tuple[str, pd.DataFrame, CampaignReport], tmp_path: Path
) -> None:
    from matplotlib.image import imread

    page, _, _ = built
    original = tmp_path / "report.html"
    original.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = _chromium(
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        "--window-size=1200,3000",
        original.as_uri(),
    )
    assert shot.is_file(), done.stderr
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    pixels = imread(shot)
    assert pixels.shape[0] == 3000 and pixels.shape[1] == 1200
    colours = np.unique(pixels[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 50  # text, tables and charts, not a blank page

    # Images: a test-only copy with one checking script, its verdict read from the DOM.
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</body>", _CHECK + "\n</body>"), encoding="utf-8")
    done = _chromium("--dump-dom", "--virtual-time-budget=10000", checked.as_uri())
    assert f"images={page.count('<img ')} broken=0" in done.stdout, done.stderr[-2000:]


@pytest.mark.skipif(_CHROMIUM is None, reason="no chromium/chromium-browser/google-chrome on PATH")
def test_the_browser_check_sees_a_broken_image(tmp_path: Path) -> None:
    # The check can fail: a page with a missing image and a console message is caught.
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><p>x</p><img src='missing.png'>"
        "<script>console.error('boom')</script>" + _CHECK + "</body></html>",
        encoding="utf-8",
    )
    done = _chromium("--enable-logging=stderr", "--v=0", "--dump-dom", bad.as_uri())
    assert "images=1 broken=1" in done.stdout
    assert any(":CONSOLE" in line and "boom" in line for line in done.stderr.splitlines())
