"""Prometheus metrics (`GET /metrics`) and the lag endpoint (`GET /sandbox/events/lag`).

Request latency is a histogram per operation (the route's operationId) and status, measured
in this process by an ASGI middleware: with several workers each one counts its own
requests, and a scrape sees the worker that answered it. The outbox-to-bus lag histogram is
read from the database at scrape time, so it counts every worker's relay.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from croupier.reference_impl._lag import LagReport
from croupier.reference_impl._render import dumps

__all__ = ["MetricsMiddleware", "Observability"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Fixed:
    """A collector handing out families computed beforehand (the lag, read asynchronously)."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families


class MetricsMiddleware:
    """Time every HTTP request into the app's request histogram."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            name = getattr(scope.get("endpoint"), "__name__", None) or "unmatched"
            self.histogram.labels(name, str(status)).observe(time.perf_counter() - started)


class Observability:
    """The app's metrics registry and the two read endpoints."""

    def __init__(self, lag: LagReport) -> None:
        self.lag = lag
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "croupier_request_duration_seconds",
            "Time to answer an HTTP request, by operationId and status.",
            ["operation", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    async def metrics(self, request: Request) -> Response:
        """getMetrics: Prometheus text exposition."""
        buckets, count, total = await self.lag.histogram()
        lag = HistogramMetricFamily(
            "croupier_relay_lag_seconds",
            "Outbox-to-bus lag of each published event (every worker's relay).",
        )
        lag.add_metric([], [(str(b), n) for b, n in buckets] + [("+Inf", count)], sum_value=total)
        budget = GaugeMetricFamily(
            "croupier_relay_lag_budget_seconds",
            "The contract's outbox-to-bus lag budget (schemas/delivery.yaml).",
            labels=["quantile"],
        )
        for key, quantile in (("p95_ms", "0.95"), ("max_ms", "1")):
            if key in self.lag.budget:
                budget.add_metric([quantile], self.lag.budget[key] / 1000)
        extra = CollectorRegistry()
        extra.register(_Fixed([lag, budget]))  # type: ignore[arg-type]
        body = generate_latest(self.registry) + generate_latest(extra)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def event_lag(self, request: Request) -> Response:
        """getEventLag: p50/p95/max against the budget, as JSON."""
        return Response(dumps(await self.lag.summary()), media_type="application/json")
