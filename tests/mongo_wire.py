"""Test-harness-only MongoDB wire server for the django-mongodb-backend lane.

Runs mongoeco's wire-protocol server (``mongoeco.wire.AsyncMongoEcoProxyServer``)
on a SQLite engine in a background thread (own asyncio loop) so that pymongo /
django-mongodb-backend can talk to it like to a real ``mongod``.

Usage::

    from mongo_wire import MongoWireServer
    server = MongoWireServer().start()       # -> server.uri == "mongodb://127.0.0.1:PORT/"
    ...
    server.stop()

or ``start_server()`` / ``stop_server()`` for a process-wide singleton.
``in_memory=True`` (default) uses SQLite ``:memory:`` (single connection,
~30% faster); ``in_memory=False`` uses a SQLite file in a private temp dir
that is deleted on ``stop()`` (also registered with ``atexit``).

Bridges (versions pinned: mongoeco 4.11.0, django-mongodb-backend 6.0.4,
pymongo 4.20).  Every bridge is applied to *this harness only*; project code
is untouched.

1. ``buildinfo`` (lower-case) command.
   django-mongodb-backend reads the server version through
   ``DatabaseWrapper.get_database_version()`` ->
   ``pymongo.MongoClient.server_info()`` which sends ``{"buildinfo": 1}``
   (lower-case, pymongo/synchronous/mongo_client.py).  Real mongod treats
   ``buildinfo`` as an alias of ``buildInfo``; mongoeco's wire surface only
   knows the camel-case spelling and answers
   ``unsupported wire command: buildinfo`` (``WireSurface.supports_command``
   is checked in ``mongoeco.wire._executor_support.build_request_context``).
   Bridge: the server's ``WireCommandExecutor._build_request_context`` is
   wrapped *on this server instance* and renames a leading ``buildinfo`` key
   to ``buildInfo`` (key order preserved), so mongoeco's own buildInfo handler
   answers.  The version it reports comes from the mongoeco dialect; we run
   the engine with ``mongodb_dialect="8.0"`` so it answers
   ``{"version": "8.0.0", "versionArray": [8, 0, 0, 0], ...}`` (the default
   dialect is 7.0 which the backend also accepts, minimum is (7, 0)).

2. ``$not`` aggregation *expression*.
   django-mongodb-backend emits ``{"$not": <expr>}`` / ``{"$not": [<expr>]}``
   inside ``$expr`` / ``$project`` (``expressions/builtins.py`` negated
   ``When``/``Q`` -> ``{"$not": ...}``, ``query.py`` negated where nodes
   ``{"$not": [mql]}`` when ``as_expr``, ``base.py`` ``_isnull_expr``,
   ``fields/json.py``, ``compiler.py``).  mongoeco 4.11 does not list ``$not``
   among the aggregation expression operators of any dialect and fails with
   ``Unrecognized expression '$not'`` (code 168,
   ``core/aggregation/preparation.py``).
   Bridge: mongoeco has a public extension registry
   (``mongoeco.core.aggregation.register_aggregation_expression_operator``)
   that both the pipeline validator (``preparation.py``) and the evaluator
   (``runtime.evaluate_expression``) consult *only for expressions*.  We
   register ``$not`` there with MongoDB's exact semantics: exactly one
   argument (bare or 1-element array), result is the boolean negation of the
   argument's aggregation truthiness (null / missing / undefined / false / 0
   are falsy; everything else, including arrays, is truthy) -- i.e. the same
   as ``{"$cond": [expr, false, true]}``.  (``{"$eq": [expr, false]}`` would be
   WRONG: ``$not: [null]`` is ``true`` but ``$eq: [null, false]`` is ``false``,
   and the backend relies on null semantics for isnull / negated lookups.)
   The query operator ``$not`` (``{"field": {"$not": {...}}}`` in find
   filters / ``$match``) is handled by mongoeco's query engine
   (``core/query_plan.py``) which never consults this registry, so it is not
   affected.  No wire-level document rewriting is needed.

3. Numeric BSON wrappers defeat the SQLite engine's SQL fast path.
   django-mongodb-backend stores every non-small integer field as ``Int64``
   (``DatabaseOperations.adapt_integerfield_value``) and adapts lookup values
   the same way, but many writes produce other numeric types:
   ``bulk_update()`` (``$switch`` of ``{"$literal": 7}``), ``Value()``,
   ``$inc``/``F()`` results (mongoeco stores them as tagged ``int32``), raw
   pymongo writes, FloatField, ...  mongoeco's SQLite engine stores
   ``Int64``/``int32``/``double`` wrappers as tagged JSON objects
   (``core/codec.py`` ``{"$mongoeco": {"type": "int64", "value": 7}}``) while
   plain ints are JSON numbers, and its SQL translation
   (``engines/sqlite_query.py`` ``_translate_scalar_equals`` /
   ``_translate_codec_aware_equals`` / comparison helpers) compares type tag
   AND value, so ``{"v": 7}`` does not match a stored ``Int64(7)`` and
   ``{"v": Int64(7)}`` does not match a stored ``7`` -- for $eq, $in, $ne,
   $nin, $lt/$lte/$gt, update/delete filters, distinct, count and unique
   index lookups (105-261 wrong answers in probe_numeric.py; MongoDB compares
   numbers by value across int/long/double).  Seen in Django as
   ``Order.objects.bulk_update(objs, ["attempts"])`` returning 3 followed by
   ``Order.objects.filter(attempts=7).count() == 0``.  The engine already has
   the right escape hatch for Decimal128: ``_plan_requires_python_for_decimal_numeric``
   sends such plans to its Python QueryEngine, which implements MongoDB
   numeric semantics.  Bridge: the harness engine is a subclass of
   ``SQLiteEngine`` whose override of that hook additionally returns True when
   the query plan carries an ``Int64``/int32/double wrapper operand or when a
   queried field holds a tagged ``int64``/``int32``/``double`` value in that
   collection (same cached feature probe the engine uses for decimals).
   Data and wire representation are untouched; only the execution strategy
   of the affected queries changes (Python scan instead of SQL; fine for test
   data volumes).  Verified: probe_numeric.py -> 0 failures (int/Int64/double
   stored x queried, with no/plain/unique index, after $inc).

4. Nested (sub-document) projections in ``$project`` / ``$addFields`` / ``$set``.
   For any query that reads a related model's columns (``.values("fk__col")``,
   ``values_list("fk__col")``, ``order_by("fk__col")`` with values, ...)
   django-mongodb-backend's ``SQLCompiler.get_project_fields`` groups the
   columns of each joined collection under the ``$lookup`` alias, emitting e.g.
   ``{"$project": {"shop_customer": {"email": 1}, "status": 1}}`` (and the same
   shape with expressions in ``$addFields`` for ordering).  In MongoDB
   (>= 4.4) an embedded document in these stages is a *nested projection*
   exactly equivalent to dotted paths (``{"shop_customer.email": 1}``;
   in ``$addFields`` it merges into the existing sub-document).  mongoeco 4.11
   evaluates it as an *expression object*, so the result is the literal
   ``{"shop_customer": {"email": 1}}`` and Django returns ``1`` instead of the
   e-mail (``Order.objects.values("customer__email")`` -> ``[{"customer__email": 1}]``),
   and ``$addFields`` replaces the whole sub-document.  mongoeco does handle
   the dotted spelling correctly.  Bridge: in the same per-instance
   ``_build_request_context`` wrapper, for ``aggregate`` commands only, every
   ``$project``/``$addFields``/``$set`` stage (recursively inside
   ``$lookup.pipeline``, ``$unionWith.pipeline`` and ``$facet``) has each
   value that is a non-empty document whose keys are all plain field names
   (no ``$``-operator key) flattened to dotted paths.  Operator expressions
   (``{"$add": ...}``), ``$literal`` values, ``$group``/``$replaceWith``
   object expressions and query filters are left untouched.

5. ``$dateTrunc`` with a ``timezone``.
   With ``USE_TZ = True`` and a non-UTC ``TIME_ZONE`` (or an active timezone)
   every ``Trunc*`` function (``TruncMonth``, ``TruncDay``, ``TruncWeek``,
   ``Trunc(..., "hour")`` ...) compiles to
   ``{"$dateTrunc": {"date": ..., "unit": ..., "timezone": "Europe/Madrid"}}``
   (``django_mongodb_backend/functions/datetime.py``).  mongoeco 4.11 raises
   ``$dateTrunc timezone is not supported`` for anything but UTC
   (``core/aggregation/date_expressions.py``) although the other date
   operators ($year, $dateToString, $dateAdd, ...) accept timezones.
   Bridge: ``$dateTrunc`` is registered in the same expression-extension
   registry (consulted before built-ins).  Without a timezone, or with UTC,
   it delegates verbatim to mongoeco's own implementation.  With a timezone
   it does what MongoDB documents: convert the instant to wall-clock time in
   that zone (mongoeco's own ``_resolve_timezone``/``_localize_datetime``),
   truncate the wall-clock value with mongoeco's implementation, interpret
   the result in that zone again and return it as a UTC date.

Not bridged (not needed for ordinary ORM usage, see report):
   * ``collStats``/``dbStats``/``listDatabases`` (and ``$bsonSize``) fail with
     "$bsonSize cannot encode value of type Decimal128" once a collection or
     index spec contains a Decimal128 (django_celery_beat's SolarSchedule
     unique index has Decimal128 bounds in its partialFilterExpression).
     The backend only uses ``$collStats`` with Queryable Encryption.
   * ``$inc`` on an ``Int64`` yields an int32-typed value (MongoDB keeps
     long); values are right, Django converts to ``int`` anyway.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64 as _PublicInt64
from mongoeco.core.aggregation import (
    get_registered_aggregation_expression_operator,
    register_aggregation_expression_operator,
)
from mongoeco.core.aggregation.date_expressions import (
    _localize_datetime,
    _resolve_timezone,
    _restore_datetime_timezone,
    evaluate_date_expression,
)
from mongoeco.core.bson_scalars import BsonDouble, BsonInt32, BsonInt64
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

__all__ = [
    "HarnessSQLiteEngine",
    "MongoWireServer",
    "install_bridges",
    "start_server",
    "stop_server",
]

MONGODB_DIALECT = "8.0"


# --------------------------------------------------------------------------
# Bridge 2: `$not` aggregation expression (registered once per process).
# --------------------------------------------------------------------------
def _not_expression(document, spec, variables, dialect, ctx) -> bool:
    if isinstance(spec, list):
        args = ctx.require_expression_args("$not", spec, 1, 1)
        operand = args[0]
    else:
        operand = spec
    value = ctx.evaluate_expression(document, operand, variables)
    return not dialect.policy.expression_truthy(value)


# --------------------------------------------------------------------------
# Bridge 5: `$dateTrunc` with timezone (registered once per process).
# --------------------------------------------------------------------------
def _date_trunc_expression(document, spec, variables, dialect, ctx):
    def builtin(current_spec):
        return evaluate_date_expression(
            "$dateTrunc",
            document,
            current_spec,
            variables,
            dialect=dialect,
            evaluate_expression=ctx.evaluate_expression,
            evaluate_expression_with_missing=ctx.evaluate_expression_with_missing,
            missing_sentinel=ctx.missing_sentinel,
        )

    if not isinstance(spec, Mapping) or "timezone" not in spec or "date" not in spec:
        return builtin(spec)
    tz_value = ctx.evaluate_expression(document, spec["timezone"], variables)
    tz = _resolve_timezone("$dateTrunc", tz_value)
    without_tz = {key: value for key, value in spec.items() if key != "timezone"}
    if tz is datetime.UTC:
        return builtin(without_tz)
    value = ctx.evaluate_expression(document, spec["date"], variables)
    if not isinstance(value, datetime.datetime):
        return builtin(without_tz)  # null -> null, wrong type -> mongoeco's error
    wall_clock = _localize_datetime(value, tz).replace(tzinfo=None)
    truncated = builtin({**without_tz, "date": {"$literal": wall_clock}})
    if not isinstance(truncated, datetime.datetime):
        return truncated
    return _restore_datetime_timezone(truncated.replace(tzinfo=tz), value)


def install_bridges() -> None:
    """Install process-wide (mongoeco-registry) bridges.  Idempotent."""
    if get_registered_aggregation_expression_operator("$not") is None:
        register_aggregation_expression_operator("$not", _not_expression)
    if get_registered_aggregation_expression_operator("$dateTrunc") is None:
        register_aggregation_expression_operator("$dateTrunc", _date_trunc_expression)


# --------------------------------------------------------------------------
# Bridge 1: `buildinfo` alias (per server instance; wrapper shared with 4).
# --------------------------------------------------------------------------
_COMMAND_ALIASES = {"buildinfo": "buildInfo"}


def _rename_first_key(body: dict[str, Any], new: str) -> dict[str, Any]:
    items = iter(body.items())
    _, first_value = next(items)
    renamed = {new: first_value}
    renamed.update(items)
    return renamed


# --------------------------------------------------------------------------
# Bridge 4: nested sub-projections -> dotted paths (aggregate commands only).
# --------------------------------------------------------------------------
_PROJECTION_STAGES = frozenset({"$project", "$addFields", "$set"})


def _is_nested_projection(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and all(isinstance(k, str) and not k.startswith("$") for k in value)
    )


def _flatten_projection(spec: Mapping, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in spec.items():
        path = f"{prefix}{key}"
        if _is_nested_projection(value):
            flat.update(_flatten_projection(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _normalize_pipeline(pipeline: object) -> object:
    if not isinstance(pipeline, list):
        return pipeline
    return [_normalize_stage(stage) for stage in pipeline]


def _normalize_stage(stage: object) -> object:
    if not isinstance(stage, Mapping) or len(stage) != 1:
        return stage
    ((operator, spec),) = stage.items()
    if operator in _PROJECTION_STAGES and isinstance(spec, Mapping):
        if any(_is_nested_projection(v) for v in spec.values()):
            return {operator: _flatten_projection(spec)}
        return stage
    if operator in {"$lookup", "$unionWith"} and isinstance(spec, Mapping) and "pipeline" in spec:
        return {operator: {**spec, "pipeline": _normalize_pipeline(spec["pipeline"])}}
    if operator == "$facet" and isinstance(spec, Mapping):
        return {operator: {k: _normalize_pipeline(v) for k, v in spec.items()}}
    return stage


def _patch_executor(server: AsyncMongoEcoProxyServer) -> None:
    executor = server._executor
    original = executor._build_request_context

    def _build_request_context(body, *args, **kwargs):
        if isinstance(body, Mapping) and body:
            first = next(iter(body))
            alias = _COMMAND_ALIASES.get(first)
            if alias is not None:
                body = _rename_first_key(dict(body), alias)
            elif first == "aggregate" and isinstance(body.get("pipeline"), list):
                body = {**body, "pipeline": _normalize_pipeline(body["pipeline"])}
        return original(body, *args, **kwargs)

    executor._build_request_context = _build_request_context


# --------------------------------------------------------------------------
# Bridge 3: numeric wrappers -> Python query path (per engine instance).
# --------------------------------------------------------------------------
_NUMERIC_WRAPPERS = (BsonInt32, BsonInt64, BsonDouble, _PublicInt64)
_NUMERIC_TAGS = ("int32", "int64", "double")
_PLAN_ATTRIBUTES = (
    "value",
    "values",
    "clause",
    "clauses",
    "lower",
    "upper",
    "divisor",
    "remainder",
)


def _plan_contains_numeric_wrapper(plan: object) -> bool:
    # Same walk as SQLiteEngine._plan_contains_decimal_operand.
    pending, seen = [plan], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _NUMERIC_WRAPPERS):
            return True
        if isinstance(current, dict):
            pending.extend(current.values())
            continue
        if isinstance(current, (list, tuple, set, frozenset)):
            pending.extend(current)
            continue
        for attribute in _PLAN_ATTRIBUTES:
            if hasattr(current, attribute):
                pending.append(getattr(current, attribute))
    return False


class HarnessSQLiteEngine(SQLiteEngine):
    """SQLiteEngine whose SQL fast path is skipped for numeric BSON wrappers."""

    def _plan_requires_python_for_decimal_numeric(self, db_name, coll_name, plan):
        if super()._plan_requires_python_for_decimal_numeric(db_name, coll_name, plan):
            return True
        if _plan_contains_numeric_wrapper(plan):
            return True
        try:
            return any(
                self._field_contains_tagged_value_type_in_collection(db_name, coll_name, field, tag)
                for field in self._plan_fields(plan)
                for tag in _NUMERIC_TAGS
            )
        except RuntimeError:
            return False


# --------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------
class MongoWireServer:
    """mongoeco wire server on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, *, in_memory: bool = True, host: str = "127.0.0.1") -> None:
        self.in_memory = in_memory
        self.host = host
        self.uri: str | None = None
        self.port: int | None = None
        self._tmpdir: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: AsyncMongoEcoProxyServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # -- public API -------------------------------------------------------
    def start(self, timeout: float = 30.0) -> MongoWireServer:
        if self._thread is not None:
            return self
        install_bridges()
        if self.in_memory:
            path = ":memory:"
        else:
            self._tmpdir = tempfile.mkdtemp(prefix="mongoeco-wire-")
            path = os.path.join(self._tmpdir, "mongoeco.sqlite3")
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="mongoeco-wire", daemon=True
        )
        self._thread.start()
        atexit.register(self.stop)  # no-op if already stopped; removes temp dir
        if not self._ready.wait(timeout):
            raise RuntimeError("mongoeco wire server did not start in time")
        if self._error is not None:
            raise RuntimeError("mongoeco wire server failed to start") from self._error
        return self

    def stop(self, timeout: float = 30.0) -> None:
        loop, thread, server = self._loop, self._thread, self._server
        if loop is not None and thread is not None and thread.is_alive():
            try:
                if server is not None:
                    asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout)
        self._thread = self._loop = self._server = None
        self.uri = self.port = None
        self._ready.clear()
        atexit.unregister(self.stop)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> MongoWireServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- thread body ------------------------------------------------------
    def _run(self, path: str) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            server = AsyncMongoEcoProxyServer(
                engine=HarnessSQLiteEngine(path),
                host=self.host,
                port=0,  # OS picks a free port; no bind race
                mongodb_dialect=MONGODB_DIALECT,
            )
            _patch_executor(server)
            address = loop.run_until_complete(server.start())
            self._server = server
            self.port = address.port
            self.uri = f"mongodb://{address.host}:{address.port}/"
        except BaseException as exc:  # pragma: no cover - surfaced to caller
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


_singleton: MongoWireServer | None = None
_singleton_lock = threading.Lock()


def start_server(**kwargs) -> str:
    """Start (once per process) and return the ``mongodb://127.0.0.1:PORT/`` URI."""
    global _singleton
    with _singleton_lock:
        if _singleton is None:
            _singleton = MongoWireServer(**kwargs).start()
        return _singleton.uri


def stop_server() -> None:
    global _singleton
    with _singleton_lock:
        if _singleton is not None:
            _singleton.stop()
            _singleton = None
