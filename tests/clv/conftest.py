"""CLV fixtures: the CDNOW calibration summary in weeks and in days."""

from __future__ import annotations

import pandas as pd
import pytest

import precimark as pm
from precimark.datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END


@pytest.fixture(scope="session")
def cdnow_rfm_weeks(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="W")


@pytest.fixture(scope="session")
def cdnow_rfm_days(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return pm.rfm_summary(cdnow_sample, observation_end=CDNOW_CALIBRATION_END, time_unit="D")


@pytest.fixture(scope="session")
def cdnow_split(cdnow_sample: pd.DataFrame) -> pd.DataFrame:
    return pm.calibration_holdout_split(
        cdnow_sample,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        time_unit="W",
    )
