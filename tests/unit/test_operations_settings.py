"""Operations settings: metrics bind to localhost on a port per process type, dramatiq's
middleware is configured from them, and the scheduler and grace periods are bounded."""

from __future__ import annotations

import pytest

from certflow.errors import ConfigError
from certflow.settings import load_settings
from workers.metrics import prometheus_environ


def test_every_process_type_has_its_own_localhost_port_by_default() -> None:
    settings = load_settings({})
    ports = [
        settings.worker_metrics_port,
        settings.relay_metrics_port,
        settings.scheduler_metrics_port,
        settings.web_metrics_port,
    ]
    assert ports == [9191, 9192, 9193, 9194]
    assert settings.metrics_host == "127.0.0.1"
    assert settings.shutdown_grace_seconds == 30


def test_dramatiqs_middleware_gets_our_host_port_and_a_directory_per_port() -> None:
    first = prometheus_environ(load_settings({"WORKER_METRICS_PORT": "9195"}))
    second = prometheus_environ(load_settings({"WORKER_METRICS_PORT": "9196"}))
    assert first["dramatiq_prom_host"] == "127.0.0.1"
    assert (first["dramatiq_prom_port"], second["dramatiq_prom_port"]) == ("9195", "9196")
    assert first["dramatiq_prom_db"] != second["dramatiq_prom_db"]
    assert first["PROMETHEUS_MULTIPROC_DIR"] == first["dramatiq_prom_db"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RELAY_METRICS_PORT", "70000"),
        ("SHUTDOWN_GRACE_SECONDS", "0"),
        ("SCHEDULE_RECONCILE_SECONDS", "-1"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
