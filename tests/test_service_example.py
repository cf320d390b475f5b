"""examples/service.py answers from saved artefacts, in process and over loopback HTTP."""

from __future__ import annotations

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "service.py"


@pytest.fixture(scope="module")
def service_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precimark_service_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def service(service_module: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = tmp_path_factory.mktemp("artefacts")
    service_module.build_artefacts(folder)
    return service_module.ScoringService(folder)


def test_answer_has_every_part_and_is_json_safe(service: object) -> None:
    answer = service.answer(1)  # type: ignore[attr-defined]
    assert json.loads(json.dumps(answer)) == answer
    assert answer["profile"]["segment"]
    assert 0 <= answer["probability_alive"] <= 1
    assert 0 <= answer["propensity_90d"] <= 1
    assert answer["clv_12x30d"] > 0
    assert answer["price"] <= 15.0
    assert "list price 15.00" in answer["price_explanation"]
    assert service.answer(999_999) == {"error": "unknown customer 999999"}  # type: ignore[attr-defined]


def test_http_round_trip_on_loopback(service_module: ModuleType, service: object) -> None:
    server = service_module.make_server(service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/customers/2", timeout=10) as response:
            assert response.status == 200
            body = json.loads(response.read())
        assert body == service.answer(2)  # type: ignore[attr-defined]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/customers/999999", timeout=10)
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.shutdown()
        server.server_close()
