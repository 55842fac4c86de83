"""A Confluent-compatible Schema Registry (REST subset) in the sandbox, under `/registry`.

Subjects, versions, schemas by id, compatibility `config` (global and per subject) and the
`compatibility` checks, for the schema types AVRO and JSON, kept in the sandbox database.
It shares the sandbox's port under a prefix: one process, one database and one lifecycle,
and Confluent clients take a base URL with a path (`http://host:8000/registry`).

Compatibility answers come from `croupier compat` itself (run as a command, as the core runs
the sandbox: the sandbox never imports the conformance package), Avro judged by the `avro`
library and JSON Schema by the Confluent-equivalent policy (`confluent-strict` by default),
so a team's registry and Croupier agree. At start the contract's event schemas are loaded
under the subjects `<event_type>.v<major>-json` (the schema bundled into one document) and
`<event_type>.v<major>-avro` (its Avro twin).

Errors are Confluent's (`error_code`, `message`: what the clients read) plus the sandbox's
`code`, `retryable` and `trace_id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from croupier import Contract, bundle_event_schema
from croupier.reference_impl._render import dumps
from croupier.reference_impl._store import Base, BigId, JSONText, Store

__all__ = [
    "LEVELS",
    "REGISTRY_PREFIX",
    "SCHEMA_TYPES",
    "RegistryConfig",
    "RegistrySchema",
    "RegistryVersion",
    "SchemaRegistry",
    "subject_for",
]

log = logging.getLogger("croupier.registry")

REGISTRY_PREFIX = "/registry"
MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
SCHEMA_TYPES = ("AVRO", "JSON")
# Confluent compatibility level -> `croupier compat --mode` (NONE skips the check).
LEVELS = {
    "BACKWARD": "backward",
    "BACKWARD_TRANSITIVE": "backward-transitive",
    "FORWARD": "forward",
    "FORWARD_TRANSITIVE": "forward-transitive",
    "FULL": "full",
    "FULL_TRANSITIVE": "full-transitive",
    "NONE": None,
}
DEFAULT_LEVEL = "BACKWARD"
POLICY_ENV = "CROUPIER_REGISTRY_JSON_POLICY"
_GLOBAL = ""
_SUBJECT = re.compile(r"[\x21-\x7e]{1,255}")


def subject_for(event_type: str, major: int, schema_type: str) -> str:
    """The subject a contract event schema is loaded under (documented naming strategy)."""
    return f"{event_type}.v{major}-{'avro' if schema_type == 'AVRO' else 'json'}"


class RegistrySchema(Base):
    """A schema text with its global id; the same schema in two subjects has one id."""

    __tablename__ = "registry_schemas"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    schema_type: Mapped[str] = mapped_column(String(16))
    schema: Mapped[str] = mapped_column(Text)
    references: Mapped[Any] = mapped_column(JSONText, default=list)


class RegistryVersion(Base):
    """Version N of a subject; soft-deleted versions keep their number."""

    __tablename__ = "registry_versions"
    __table_args__ = (UniqueConstraint("subject", "version", name="uq_registry_version"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer)
    schema_id: Mapped[int] = mapped_column(Integer, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class RegistryConfig(Base):
    """A compatibility level: the global one (subject '') or one subject's."""

    __tablename__ = "registry_config"
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    compatibility: Mapped[str] = mapped_column(String(32))


class RegistryError(Exception):
    """A refusal in Confluent's words: HTTP status, error_code, message."""

    def __init__(self, status: int, error_code: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message, self.code = status, error_code, message, code


def _subject_not_found(subject: str) -> RegistryError:
    return RegistryError(404, 40401, f"Subject '{subject}' not found.", "SUBJECT_NOT_FOUND")


def _version_not_found(subject: str, version: Any) -> RegistryError:
    return RegistryError(
        404, 40402, f"Version {version} not found for subject '{subject}'.", "VERSION_NOT_FOUND"
    )


def _schema_not_found(what: str = "Schema not found") -> RegistryError:
    return RegistryError(404, 40403, what, "SCHEMA_NOT_FOUND")


def _unauthorized() -> RegistryError:
    return RegistryError(
        401,
        40101,
        "Unauthorized: the sandbox runs with a control token; send it as X-Control-Token, "
        "a Bearer token or the password of Basic auth",
        "INVALID_TOKEN",
    )


def _invalid_schema(reason: str) -> RegistryError:
    return RegistryError(422, 42201, f"Invalid schema: {reason}"[:500], "INVALID_SCHEMA")


@dataclass(frozen=True)
class _Candidate:
    schema_type: str
    text: str
    references: list[dict[str, Any]]
    fingerprint: str


def _canonical(schema_type: str, raw: str) -> Any:
    try:
        parsed = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        raise _invalid_schema("not JSON") from None
    if schema_type == "AVRO":
        import avro.errors
        import avro.schema

        try:
            avro.schema.parse(raw)
        except (avro.errors.AvroException, ValueError, TypeError) as exc:
            raise _invalid_schema(str(exc).splitlines()[0] if str(exc) else "not Avro") from None
    else:
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for

        if not isinstance(parsed, dict | bool):
            raise _invalid_schema("a JSON Schema is an object or a boolean")
        try:
            validator_for(parsed).check_schema(parsed)
        except SchemaError as exc:
            raise _invalid_schema(exc.message) from None
    return parsed


class SchemaRegistry:
    """The registry's state and routes, over the sandbox's store."""

    def __init__(
        self,
        store: Store,
        contract: Contract,
        json_policy: str | None = None,
        judge: Callable[[str, list[str], str, str, str], Awaitable[list[str]]] | None = None,
        authorize: Callable[[Request], bool] | None = None,
    ) -> None:
        self.store = store
        self.contract = contract
        self.json_policy = json_policy or os.environ.get(POLICY_ENV) or "confluent-strict"
        self.judge = judge or run_compat
        self.authorize = authorize
        self.app = Starlette(
            routes=self._routes(),
            exception_handlers={HTTPException: self._http_error},  # type: ignore[dict-item]
        )

    # ------------------------------------------------------------------ the contract's schemas

    def contract_schemas(self) -> list[tuple[str, str, str]]:
        """(subject, schema type, schema text) of every event schema of the contract."""
        out = []
        avro_root = self.contract.schemas_dir / "avro"
        for ev in self.contract.events:
            bundled = bundle_event_schema(ev.path)
            out.append((subject_for(ev.event_type, ev.major, "JSON"), "JSON", json.dumps(bundled)))
            twin = avro_root / ev.event_type / f"{ev.major}.avsc"
            if twin.is_file():
                avro = json.loads(twin.read_text(encoding="utf-8"))
                out.append((subject_for(ev.event_type, ev.major, "AVRO"), "AVRO", json.dumps(avro)))
        return out

    async def preload(self) -> None:
        """Register the contract's event schemas (the contract is judged by compat in CI)."""
        for subject, schema_type, raw in self.contract_schemas():
            candidate = self._candidate({"schema": raw, "schemaType": schema_type})
            async with self.store.session() as s, s.begin():
                await self._lock(s)
                current = await self._versions(s, subject)
                if current and current[-1][1].fingerprint == candidate.fingerprint:
                    continue
                if any(row.fingerprint == candidate.fingerprint for _, row in current):
                    continue  # an older contract schema that a later registration superseded
                await self._add_version(s, subject, candidate)

    # ------------------------------------------------------------------ storage helpers

    async def _lock(self, s: AsyncSession) -> None:
        # Version numbers are max + 1: one registration at a time (SQLite's write lock is
        # taken by BEGIN IMMEDIATE; PostgreSQL takes an advisory transaction lock).
        if not self.store.is_sqlite:
            await s.execute(text("SELECT pg_advisory_xact_lock(4545)"))

    async def _versions(
        self, s: AsyncSession, subject: str, deleted: bool = False
    ) -> list[tuple[RegistryVersion, RegistrySchema]]:
        query = (
            select(RegistryVersion, RegistrySchema)
            .join(RegistrySchema, RegistrySchema.id == RegistryVersion.schema_id)
            .where(RegistryVersion.subject == subject)
            .order_by(RegistryVersion.version)
        )
        if not deleted:
            query = query.where(RegistryVersion.deleted.is_(False))
        return [(v, sch) for v, sch in (await s.execute(query)).all()]

    def _candidate(self, body: Any) -> _Candidate:
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            raise RegistryError(
                422, 42201, "Invalid schema: the body needs a string 'schema'", "INVALID_SCHEMA"
            )
        schema_type = body.get("schemaType") or "AVRO"
        if schema_type not in SCHEMA_TYPES:
            raise RegistryError(
                422,
                42201,
                f"Invalid schema: schemaType {str(schema_type)[:40]!r} is not one of "
                f"{', '.join(SCHEMA_TYPES)}",
                "INVALID_SCHEMA",
            )
        references = body.get("references") or []
        if not isinstance(references, list) or not all(
            isinstance(r, dict)
            and isinstance(r.get("name"), str)
            and isinstance(r.get("subject"), str)
            and isinstance(r.get("version"), int)
            for r in references
        ):
            raise _invalid_schema("references are {name, subject, version} objects")
        parsed = _canonical(schema_type, body["schema"])
        canonical = json.dumps(
            [schema_type, parsed, references], sort_keys=True, separators=(",", ":")
        )
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
        return _Candidate(schema_type, body["schema"], references, fingerprint)

    async def _schema_id(self, s: AsyncSession, candidate: _Candidate) -> int:
        found = (
            await s.execute(
                select(RegistrySchema.id).where(RegistrySchema.fingerprint == candidate.fingerprint)
            )
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        row = RegistrySchema(
            fingerprint=candidate.fingerprint,
            schema_type=candidate.schema_type,
            schema=candidate.text,
            references=candidate.references,
        )
        s.add(row)
        await s.flush()
        return int(row.id)

    async def _add_version(
        self, s: AsyncSession, subject: str, candidate: _Candidate
    ) -> tuple[int, int]:
        schema_id = await self._schema_id(s, candidate)
        top = (
            await s.execute(
                select(func.max(RegistryVersion.version)).where(RegistryVersion.subject == subject)
            )
        ).scalar_one_or_none()
        version = int(top or 0) + 1
        s.add(RegistryVersion(subject=subject, version=version, schema_id=schema_id))
        await s.flush()
        return schema_id, version

    async def _level(self, s: AsyncSession, subject: str) -> str:
        for key in (subject, _GLOBAL):
            row = await s.get(RegistryConfig, key)
            if row is not None:
                return row.compatibility
        return DEFAULT_LEVEL

    async def _check_references(self, s: AsyncSession, candidate: _Candidate) -> None:
        for ref in candidate.references:
            found = [
                v for v, _ in await self._versions(s, ref["subject"]) if v.version == ref["version"]
            ]
            if not found:
                raise _invalid_schema(
                    f"reference {ref['name']!r}: no version {ref['version']} of "
                    f"subject {ref['subject']!r}"
                )

    async def _incompatibilities(
        self, candidate: _Candidate, level: str, against: list[RegistrySchema]
    ) -> list[str]:
        mode = LEVELS[level]
        if mode is None or not against:
            return []
        if any(row.schema_type != candidate.schema_type for row in against):
            return [
                f"schema type {candidate.schema_type} differs from the subject's "
                f"{against[-1].schema_type}"
            ]
        earlier = [row.schema for row in against] if mode.endswith("-transitive") else []
        base = earlier.pop() if earlier else against[-1].schema
        return await self.judge(
            candidate.schema_type, [*earlier, base], candidate.text, mode, self.json_policy
        )

    # ------------------------------------------------------------------ routes

    def _routes(self) -> list[Route]:
        def route(path: str, call: Any, *methods: str) -> Route:
            async def endpoint(request: Request) -> Response:
                if self.authorize is not None and not self.authorize(request):
                    return self._error(request, _unauthorized())
                try:
                    status, data = await call(request, **request.path_params)
                except RegistryError as exc:
                    return self._error(request, exc)
                body = data.encode() if isinstance(data, str) else dumps(data)
                return Response(body, status_code=status, media_type=MEDIA_TYPE)

            endpoint.__name__ = f"registry.{call.__name__}"  # the metrics' operation label
            return Route(path, endpoint, methods=list(methods))

        return [
            route("/", self.root, "GET"),
            route("/schemas/types", self.schema_types, "GET"),
            route("/schemas/ids/{schema_id}", self.schema_by_id, "GET"),
            route("/schemas/ids/{schema_id}/schema", self.raw_schema_by_id, "GET"),
            route("/schemas/ids/{schema_id}/subjects", self.subjects_of_id, "GET"),
            route("/schemas/ids/{schema_id}/versions", self.versions_of_id, "GET"),
            route("/subjects", self.list_subjects, "GET"),
            route("/subjects/{subject}", self.lookup, "POST"),
            route("/subjects/{subject}", self.delete_subject, "DELETE"),
            route("/subjects/{subject}/versions", self.list_versions, "GET"),
            route("/subjects/{subject}/versions", self.register, "POST"),
            route("/subjects/{subject}/versions/{version}", self.get_version, "GET"),
            route("/subjects/{subject}/versions/{version}", self.delete_version, "DELETE"),
            route("/subjects/{subject}/versions/{version}/schema", self.raw_version, "GET"),
            route("/config", self.get_config, "GET"),
            route("/config", self.put_config, "PUT"),
            route("/config", self.delete_config, "DELETE"),
            route("/config/{subject}", self.get_config, "GET"),
            route("/config/{subject}", self.put_config, "PUT"),
            route("/config/{subject}", self.delete_config, "DELETE"),
            route("/compatibility/subjects/{subject}/versions", self.compatibility, "POST"),
            route(
                "/compatibility/subjects/{subject}/versions/{version}", self.compatibility, "POST"
            ),
            route("/mode", self.mode, "GET"),
            route("/mode/{subject}", self.mode, "GET"),
        ]

    def _error(self, request: Request, exc: RegistryError) -> Response:
        trace_id = request.scope.get("state", {}).get("trace_id", "")
        body = {
            "error_code": exc.error_code,
            "message": exc.message,
            "code": exc.code,
            "retryable": exc.status >= 500,
            "trace_id": trace_id,
        }
        return Response(dumps(body), status_code=exc.status, media_type=MEDIA_TYPE)

    async def _http_error(self, request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            error = RegistryError(
                405, 405, f"{request.method} is not allowed here", "METHOD_NOT_ALLOWED"
            )
        else:
            error = RegistryError(404, 404, f"no such path {request.url.path[:200]}", "NOT_FOUND")
        return self._error(request, error)

    @staticmethod
    async def _body(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > 1024 * 1024:
            raise RegistryError(413, 413, "the body exceeds 1 MiB", "PAYLOAD_TOO_LARGE")
        try:
            return json.loads(raw) if raw.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RegistryError(400, 400, "the body is not JSON", "MALFORMED_REQUEST") from None

    @staticmethod
    def _subject(subject: str) -> str:
        if not _SUBJECT.fullmatch(subject):
            raise RegistryError(422, 42208, "Invalid subject name", "INVALID_SUBJECT")
        return subject

    @staticmethod
    def _flag(request: Request, name: str) -> bool:
        return request.query_params.get(name, "false").lower() == "true"

    @staticmethod
    def _schema_id_param(raw: str) -> int:
        if not raw.isdigit() or len(raw) > 12:
            raise _schema_not_found(f"Schema {raw[:20]} not found")
        return int(raw)

    @staticmethod
    def _described(row: RegistrySchema) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": row.schema}
        if row.schema_type != "AVRO":
            out["schemaType"] = row.schema_type
        if row.references:
            out["references"] = row.references
        return out

    async def root(self, request: Request) -> tuple[int, Any]:
        """GET /: an empty object, as a registry answers."""
        return 200, {}

    async def schema_types(self, request: Request) -> tuple[int, Any]:
        """GET /schemas/types."""
        return 200, list(SCHEMA_TYPES)

    async def _schema_row(self, s: AsyncSession, schema_id: str) -> RegistrySchema:
        row = await s.get(RegistrySchema, self._schema_id_param(schema_id))
        if row is None:
            raise _schema_not_found(f"Schema {schema_id} not found")
        return row

    async def schema_by_id(self, request: Request, schema_id: str) -> tuple[int, Any]:
        """GET /schemas/ids/{id}."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            return 200, self._described(await self._schema_row(s, schema_id))

    async def raw_schema_by_id(self, request: Request, schema_id: str) -> tuple[int, Any]:
        """GET /schemas/ids/{id}/schema: the schema text alone."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            return 200, (await self._schema_row(s, schema_id)).schema

    async def _pairs_of_id(self, request: Request, schema_id: str) -> list[RegistryVersion]:
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            await self._schema_row(s, schema_id)
            query = select(RegistryVersion).where(RegistryVersion.schema_id == int(schema_id))
            if not self._flag(request, "deleted"):
                query = query.where(RegistryVersion.deleted.is_(False))
            rows = (await s.execute(query.order_by(RegistryVersion.subject))).scalars().all()
            return list(rows)

    async def subjects_of_id(self, request: Request, schema_id: str) -> tuple[int, Any]:
        """GET /schemas/ids/{id}/subjects."""
        rows = await self._pairs_of_id(request, schema_id)
        return 200, sorted({r.subject for r in rows})

    async def versions_of_id(self, request: Request, schema_id: str) -> tuple[int, Any]:
        """GET /schemas/ids/{id}/versions."""
        rows = await self._pairs_of_id(request, schema_id)
        return 200, [{"subject": r.subject, "version": r.version} for r in rows]

    async def list_subjects(self, request: Request) -> tuple[int, Any]:
        """GET /subjects (?deleted=true also lists soft-deleted ones)."""
        query = select(RegistryVersion.subject).distinct()
        if not self._flag(request, "deleted"):
            query = query.where(RegistryVersion.deleted.is_(False))
        prefix = request.query_params.get("subjectPrefix")
        async with self.store.reader() as conn:
            subjects = sorted(r[0] for r in (await conn.execute(query)).all())
        return 200, [x for x in subjects if not prefix or x.startswith(prefix)]

    async def list_versions(self, request: Request, subject: str) -> tuple[int, Any]:
        """GET /subjects/{s}/versions."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            rows = await self._versions(s, self._subject(subject), self._flag(request, "deleted"))
        if not rows:
            raise _subject_not_found(subject)
        return 200, [v.version for v, _ in rows]

    async def _pick(
        self, s: AsyncSession, subject: str, version: str, deleted: bool = False
    ) -> tuple[RegistryVersion, RegistrySchema]:
        rows = await self._versions(s, self._subject(subject), deleted)
        if version in ("latest", "-1"):
            if not rows:
                raise _subject_not_found(subject)
            return rows[-1]
        if not version.isdigit() or not 1 <= int(version[:10]) <= 2**31 - 1:
            raise RegistryError(
                422,
                42202,
                "The specified version is not a valid version id. Allowed values are between "
                '[1, 2^31-1] and the string "latest"',
                "INVALID_VERSION",
            )
        if not rows and not deleted:
            if not await self._versions(s, subject, deleted=True):
                raise _subject_not_found(subject)
        for v, sch in rows:
            if v.version == int(version):
                return v, sch
        raise _version_not_found(subject, version)

    async def get_version(self, request: Request, subject: str, version: str) -> tuple[int, Any]:
        """GET /subjects/{s}/versions/{v}."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            v, sch = await self._pick(s, subject, version, self._flag(request, "deleted"))
        return 200, {
            "subject": v.subject,
            "version": v.version,
            "id": sch.id,
            **self._described(sch),
        }

    async def raw_version(self, request: Request, subject: str, version: str) -> tuple[int, Any]:
        """GET /subjects/{s}/versions/{v}/schema: the schema text alone."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            _, sch = await self._pick(s, subject, version)
        return 200, sch.schema

    async def lookup(self, request: Request, subject: str) -> tuple[int, Any]:
        """POST /subjects/{s}: is this schema registered under the subject, and as what."""
        candidate = self._candidate(await self._body(request))
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            rows = await self._versions(s, self._subject(subject), self._flag(request, "deleted"))
        if not rows:
            raise _subject_not_found(subject)
        for v, sch in reversed(rows):
            if sch.fingerprint == candidate.fingerprint:
                return 200, {
                    "subject": subject,
                    "version": v.version,
                    "id": sch.id,
                    **self._described(sch),
                }
        raise _schema_not_found()

    async def register(self, request: Request, subject: str) -> tuple[int, Any]:
        """POST /subjects/{s}/versions: register, or answer the id it already has."""
        candidate = self._candidate(await self._body(request))
        self._subject(subject)
        for _ in range(5):
            async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
                rows = await self._versions(s, subject)
                level = await self._level(s, subject)
                await self._check_references(s, candidate)
            for v, sch in rows:
                if sch.fingerprint == candidate.fingerprint:
                    return 200, {"id": sch.id, "version": v.version, "subject": subject}
            # The check runs outside any transaction (it takes a process start), then the write
            # makes sure no version arrived meanwhile; if one did, judge again.
            messages = await self._incompatibilities(candidate, level, [sch for _, sch in rows])
            if messages:
                raise RegistryError(
                    409,
                    409,
                    f"Schema being registered is incompatible with an earlier schema for "
                    f'subject "{subject}", details: {messages}'[:4000],
                    "SCHEMA_INCOMPATIBLE",
                )
            try:
                async with self.store.session() as s, s.begin():
                    await self._lock(s)
                    now = await self._versions(s, subject)
                    if [v.id for v, _ in now] != [v.id for v, _ in rows]:
                        continue
                    schema_id, version = await self._add_version(s, subject, candidate)
                    return 200, {"id": schema_id, "version": version, "subject": subject}
            except IntegrityError:
                continue  # a racing worker took the number or the fingerprint: go again
        raise RegistryError(503, 50003, "the subject kept changing; retry", "TEMPORARY_ERROR")

    async def delete_subject(self, request: Request, subject: str) -> tuple[int, Any]:
        """DELETE /subjects/{s}: soft delete (?permanent=true removes soft-deleted versions)."""
        permanent = self._flag(request, "permanent")
        async with self.store.session() as s, s.begin():
            await self._lock(s)
            rows = await self._versions(s, self._subject(subject), deleted=True)
            if not rows:
                raise _subject_not_found(subject)
            live = [v for v, _ in rows if not v.deleted]
            if permanent:
                if live:
                    raise RegistryError(
                        409,
                        40405,
                        f"Subject '{subject}' was not deleted first before being permanently "
                        "deleted",
                        "SUBJECT_NOT_SOFT_DELETED",
                    )
                await s.execute(delete(RegistryVersion).where(RegistryVersion.subject == subject))
                return 200, [v.version for v, _ in rows]
            if not live:
                raise RegistryError(
                    404, 40404, f"Subject '{subject}' was soft deleted.", "SUBJECT_SOFT_DELETED"
                )
            for v in live:
                v.deleted = True
            return 200, [v.version for v in live]

    async def delete_version(self, request: Request, subject: str, version: str) -> tuple[int, Any]:
        """DELETE /subjects/{s}/versions/{v}."""
        async with self.store.session() as s, s.begin():
            await self._lock(s)
            v, _ = await self._pick(s, subject, version, deleted=self._flag(request, "permanent"))
            if self._flag(request, "permanent"):
                if not v.deleted:
                    raise RegistryError(
                        409,
                        40407,
                        f"Subject '{subject}' Version {v.version} was not deleted first before "
                        "being permanently deleted",
                        "VERSION_NOT_SOFT_DELETED",
                    )
                await s.delete(v)
            else:
                v.deleted = True
            return 200, v.version

    async def get_config(self, request: Request, subject: str = _GLOBAL) -> tuple[int, Any]:
        """GET /config and /config/{s} (?defaultToGlobal=true falls back to the global level)."""
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            if subject == _GLOBAL:
                return 200, {"compatibilityLevel": await self._level(s, _GLOBAL)}
            row = await s.get(RegistryConfig, self._subject(subject))
            if row is not None:
                return 200, {"compatibilityLevel": row.compatibility}
            if self._flag(request, "defaultToGlobal"):
                return 200, {"compatibilityLevel": await self._level(s, _GLOBAL)}
        raise RegistryError(
            404,
            40408,
            f"Subject '{subject}' does not have subject-level compatibility configured",
            "SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED",
        )

    async def put_config(self, request: Request, subject: str = _GLOBAL) -> tuple[int, Any]:
        """PUT /config and /config/{s}: {"compatibility": LEVEL}."""
        body = await self._body(request)
        level = body.get("compatibility") if isinstance(body, dict) else None
        if not isinstance(level, str) or level.upper() not in LEVELS:
            raise RegistryError(
                422,
                42203,
                f"Invalid compatibility level; valid values are {', '.join(LEVELS)}",
                "INVALID_COMPATIBILITY_LEVEL",
            )
        if subject != _GLOBAL:
            self._subject(subject)
        async with self.store.session() as s, s.begin():
            row = await s.get(RegistryConfig, subject)
            if row is None:
                s.add(RegistryConfig(subject=subject, compatibility=level.upper()))
            else:
                row.compatibility = level.upper()
        return 200, {"compatibility": level.upper()}

    async def delete_config(self, request: Request, subject: str = _GLOBAL) -> tuple[int, Any]:
        """DELETE /config and /config/{s}: back to the default; answers the level it had."""
        async with self.store.session() as s, s.begin():
            before = await self._level(s, subject)
            if subject != _GLOBAL and await s.get(RegistryConfig, self._subject(subject)) is None:
                raise _subject_not_found(subject)
            await s.execute(delete(RegistryConfig).where(RegistryConfig.subject == subject))
        return 200, {"compatibilityLevel": before}

    async def compatibility(
        self, request: Request, subject: str, version: str | None = None
    ) -> tuple[int, Any]:
        """POST /compatibility/subjects/{s}/versions[/{v}]: would this schema be accepted."""
        candidate = self._candidate(await self._body(request))
        async with self.store.reader() as conn, AsyncSession(bind=conn) as s:
            level = await self._level(s, self._subject(subject))
            if version is None:
                against = [sch for _, sch in await self._versions(s, subject)]
            else:
                # Against one named version, a transitive level means its plain form.
                against = [(await self._pick(s, subject, version))[1]]
                level = level.removesuffix("_TRANSITIVE")
        messages = await self._incompatibilities(candidate, level, against)
        answer: dict[str, Any] = {"is_compatible": not messages}
        if self._flag(request, "verbose"):
            answer["messages"] = messages
        return 200, answer

    async def mode(self, request: Request, subject: str = _GLOBAL) -> tuple[int, Any]:
        """GET /mode: this registry is always READWRITE."""
        return 200, {"mode": "READWRITE"}


async def run_compat(
    schema_type: str, previous: list[str], new: str, mode: str, policy: str
) -> list[str]:
    """The ERR findings of `croupier compat` judging `new` after `previous` (oldest first)."""
    suffix = ".avsc" if schema_type == "AVRO" else ".json"
    with tempfile.TemporaryDirectory(prefix="croupier-registry-") as tmp:
        files = []
        for i, schema in enumerate([*previous, new]):
            path = Path(tmp) / f"v{i}{suffix}"
            path.write_text(schema, encoding="utf-8")
            files.append(str(path))
        command = [sys.executable, "-m", "croupier", "compat", "--format", "json"]
        command += ["--mode", mode, "--type", "avro" if schema_type == "AVRO" else "jsonschema"]
        command += ["--policy", policy, *files]
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            stdin=asyncio.subprocess.DEVNULL,
            cwd=tmp,
        )
        out, err = await proc.communicate()
    if proc.returncode == 2:
        reason = err.decode(errors="replace").strip().splitlines()
        raise _invalid_schema(reason[-1] if reason else "croupier compat could not read it")
    try:
        verdict = json.loads(out)
    except json.JSONDecodeError:
        log.error("croupier compat answered %r / %r", out[:200], err[:200])
        raise RegistryError(
            500, 50001, "the compatibility check failed", "INTERNAL_ERROR"
        ) from None
    return [str(f["message"]) for f in verdict["findings"] if f["level"] == "ERR"]
