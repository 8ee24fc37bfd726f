"""The Grafana dashboard in ops/grafana/ is a valid dashboard whose every query names a
metric that a certflow process exports, and which has a panel for each of them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from certflow import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "ops" / "grafana" / "certflow.json"
_METRIC = re.compile(r"\b(?:certflow|dramatiq)_[a-z_]+\b")
_SERIES_SUFFIXES = ("_bucket", "_count", "_sum")


def _dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text()))


def _used(dashboard: dict[str, Any]) -> set[str]:
    names = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for found in _METRIC.findall(target["expr"]):
                name = found
                for suffix in _SERIES_SUFFIXES:
                    name = name.removesuffix(suffix)
                names.add(name)
    return names


def test_the_dashboard_has_the_shape_grafana_imports() -> None:
    dashboard = _dashboard()
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["uid"]
    assert dashboard["title"] == "certflow"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["type"] == "timeseries"
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))
    variables = {v["name"]: v["type"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource": "datasource"}


def test_every_metric_on_the_dashboard_is_exported_and_every_export_has_a_panel() -> None:
    used = _used(_dashboard())
    assert used - metrics.ALL == set()
    assert metrics.ALL - used == set()


ALERTS = DASHBOARD.parents[1] / "prometheus" / "alerts.yml"


def test_every_alert_rule_names_exported_metrics() -> None:
    import yaml

    rules = [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]
    assert {rule["alert"] for rule in rules} >= {
        "CertflowOutboxLagGrowing",
        "CertflowDeadLettersRising",
        "CertflowPendingNoncesStuck",
        "CertflowSignerBalanceLow",
        "CertflowRenderBacklog",
    }
    for rule in rules:
        assert set(_METRIC.findall(rule["expr"])) <= metrics.ALL, rule["alert"]
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]
