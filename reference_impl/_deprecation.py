"""Deprecated operations at runtime: `Deprecation`/`Sunset` headers and their use, counted.

An operation with `deprecated: true` answers every call (errors too) with
`Deprecation: @<epoch seconds>` (RFC 9745, a structured-field Date: the operation's
`x-deprecated-at`, else its `x-sunset`) and `Sunset: <HTTP-date>` (RFC 8594: the start, UTC, of
its `x-sunset` day, the first day compat lets it be removed), plus `Link: <url>;
rel="deprecation"` when the operation has `externalDocs`. Each authenticated call is counted per
(operation, provider, brand, region) in the sandbox database, so every worker adds to one
count; `GET /sandbox/usage` exports it, and `croupier compat --usage FILE` refuses to remove an
operation the export shows in use.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from croupier import Identity, parse_day
from croupier.reference_impl._domain import iso, utcnow
from croupier.reference_impl._store import Base, BigId, Store, UTCDateTime

__all__ = ["DeprecatedUsage", "Deprecation", "UsageCounter", "deprecation_of"]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Deprecation:
    """What a deprecated operation declares, and the headers it answers with."""

    operation_id: str
    method: str
    path: str
    sunset: dt.date | None
    deprecated_at: dt.date | None
    link: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """Deprecation (RFC 9745), Sunset (RFC 8594) and, if documented, a deprecation Link."""
        out: dict[str, str] = {}
        since = self.deprecated_at or self.sunset
        if since is not None:
            out["Deprecation"] = f"@{int(_midnight(since).timestamp())}"
        else:
            out["Deprecation"] = "@0"  # no date declared (lint refuses that): long deprecated
        if self.sunset is not None:
            out["Sunset"] = email.utils.format_datetime(_midnight(self.sunset), usegmt=True)
        if self.link:
            out["Link"] = f'<{self.link}>; rel="deprecation"; type="text/html"'
        return out

    def as_dict(self) -> dict[str, Any]:
        """The operation's part of the usage export."""
        return {
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "deprecated_at": self.deprecated_at.isoformat() if self.deprecated_at else None,
            "sunset": self.sunset.isoformat() if self.sunset else None,
        }


def deprecation_of(method: str, path: str, spec: dict[str, Any]) -> Deprecation | None:
    """The Deprecation of an operation, or None when it is not deprecated."""
    if spec.get("deprecated") is not True:
        return None
    docs = spec.get("externalDocs") or {}
    return Deprecation(
        operation_id=str(spec.get("operationId", "")),
        method=method.upper(),
        path=path,
        sunset=parse_day(spec.get("x-sunset")),
        deprecated_at=parse_day(spec.get("x-deprecated-at")),
        link=str(docs["url"]) if isinstance(docs, dict) and docs.get("url") else None,
    )


class DeprecatedUsage(Base):
    """How often one caller (provider, brand, region) called one deprecated operation."""

    __tablename__ = "deprecated_usage"
    __table_args__ = (
        UniqueConstraint("operation_id", "provider_id", "brand_id", "region", name="uq_usage"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(String(128))
    provider_id: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    first_call: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_call: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class UsageCounter:
    """Counts calls of deprecated operations (wall clock, not the sandbox clock)."""

    def __init__(self, store: Store, deprecated: list[Deprecation], version: str) -> None:
        self.store = store
        self.deprecated = sorted(deprecated, key=lambda d: (d.path, d.method))
        self.version = version

    async def record(self, operation_id: str, caller: Identity) -> None:
        """Add one call: an upsert, so concurrent workers never lose a count."""
        now = utcnow()
        insert = sqlite_insert if self.store.is_sqlite else pg_insert
        table = DeprecatedUsage.__table__
        stmt = insert(DeprecatedUsage).values(
            operation_id=operation_id,
            provider_id=caller.provider,
            brand_id=caller.brand,
            region=caller.region,
            calls=1,
            first_call=now,
            last_call=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["operation_id", "provider_id", "brand_id", "region"],
            set_={"calls": table.c.calls + 1, "last_call": now},
        )
        async with self.store.session() as s, s.begin():
            await s.execute(stmt)

    async def export(self) -> dict[str, Any]:
        """getDeprecatedUsage: every deprecated operation, its total and its callers."""
        async with self.store.reader() as conn:
            rows = (
                await conn.execute(
                    select(DeprecatedUsage).order_by(
                        DeprecatedUsage.provider_id,
                        DeprecatedUsage.brand_id,
                        DeprecatedUsage.region,
                    )
                )
            ).all()
        callers: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            callers.setdefault(row.operation_id, []).append(
                {
                    "provider_id": row.provider_id,
                    "brand_id": row.brand_id,
                    "region": row.region,
                    "calls": int(row.calls),
                    "first_call": iso(row.first_call),
                    "last_call": iso(row.last_call),
                }
            )
        operations = []
        for d in self.deprecated:
            found = callers.get(d.operation_id, [])
            operations.append(
                {**d.as_dict(), "calls": sum(c["calls"] for c in found), "callers": found}
            )
        return {
            "contract_version": self.version,
            "generated_at": iso(utcnow()),
            "operations": operations,
        }
