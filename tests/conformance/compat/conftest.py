import datetime as dt
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "compat"
TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def data_dir() -> Path:
    return DATA
