"""The scope walker: every route of the app (pages and API, every method), with every demo
persona and anonymously, proves that nothing outside the persona's area is read or changed.

For a route with path parameters, each parameter is given records outside the persona's scope
(tests/scope_samples.py) and, separately, values that name no record. The two answers must be
alike (a record outside the scope answers exactly like a missing one): never 2xx, a redirect
only to the sign-in page, never 5xx, never the record's texts in the body; an unsafe method
leaves the record unchanged. A route without path parameters must not show names, codes or
phone numbers of areas, users and leaders in other branches of the tree (ancestors are allowed:
breadcrumbs and rollups name them), also when its query carries out-of-scope codes; an unsafe
method with a body that points outside the scope must change nothing there. Every write of the
walk is watched: a row written in another branch of the tree is a failure. The administrator
sees everything, so for it only missing records are tried: they must answer 404.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event, func, inspect, literal, select, union_all
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route

from fangkong.accounts.models import AuditEntry, User
from fangkong.areas.models import Area, Leader
from fangkong.db import Base
from fangkong.demo import DEMO_PASSWORD, PERSONAS
from fangkong.web.csrf import CSRF_COOKIE
from fangkong.web.deps import SESSION_COOKIE
from scope_samples import (
    SAMPLES,
    UNSCOPED,
    Probe,
    also_visible,
    ancestors,
    build_foreign_world,
    is_public,
    other_branch_filter,
    probes_for,
)

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS = "anonymous"
NOTHING = "~"  # a scope no area code starts with
ANONYMOUS_PROBES_FROM = "220102"  # anonymous may see nothing: any district's records will do
LEVEL_OF_LENGTH = {4: "district", 6: "street", 9: "community", 12: "grid"}
UNWATCHED_WRITES = (AuditEntry,)  # append-only record of who did what, written for denials too


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    params: tuple[str, ...]
    api: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def fill(self, values: dict[str, str]) -> str:
        return PARAM.sub(lambda match: values[match.group(1)], self.path)


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every route and method (included routers' routes carry their prefixes)."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue  # static files
        path = route.path
        for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
            found.append(Endpoint(path, method, tuple(PARAM.findall(path)),
                                  api=path.startswith("/api/")))
    return found


def test_the_walk_sees_the_apps_routes(app: FastAPI) -> None:
    labels = {endpoint.label for endpoint in endpoints(app)}
    assert {"GET /", "POST /locale", "GET /login"} <= labels
    assert any(endpoint.params for endpoint in endpoints(app))


def test_every_path_parameter_has_a_sample(app: FastAPI) -> None:
    unknown = sorted({f"{endpoint.label}: {{{name}}}" for endpoint in endpoints(app)
                      for name in endpoint.params if name not in SAMPLES | UNSCOPED})
    assert not unknown, ("path parameters without a sampler in tests/scope_samples.py "
                         "(add one so the scope walker covers the route):\n" + "\n".join(unknown))


# --- bodies ------------------------------------------------------------------------------------


def instance_of(schema: dict[str, Any], components: dict[str, Any], values: dict[str, Any],
                name: str = "") -> Any:
    """A plausible value for a JSON schema: the walker's value for a known field name, else the
    first enum member, a small number, a short text."""
    if name in values:
        return values[name]
    if "$ref" in schema:
        return instance_of(components[schema["$ref"].rsplit("/", 1)[1]], components, values, name)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [item for item in schema.get(key, []) if item.get("type") != "null"]
        if options:
            return instance_of(options[0], components, values, name)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        required = set(schema.get("required", []))
        return {key: instance_of(sub, components, values, key)
                for key, sub in schema.get("properties", {}).items()
                if key in required or key in values}
    return plain_value(kind, schema)


def plain_value(kind: str | None, schema: dict[str, Any]) -> Any:
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2020-02-10"
    if schema.get("format") == "date-time":
        return "2020-02-10T08:00:00+08:00"
    return "越权测试"


def json_body_schema(openapi: dict[str, Any], endpoint: Endpoint) -> dict[str, Any] | None:
    operation = openapi.get("paths", {}).get(endpoint.path, {}).get(endpoint.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
    return schema


# --- what a persona must not see -----------------------------------------------------------------


TOKEN = re.compile(r"\w+")
DIGITS = re.compile(r"\d+")


@dataclass
class Secrets:
    """Texts that must not appear in an answer to this persona: names (found as substrings of
    the body's words) and numbers (found as whole runs of digits)."""

    names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)

    def find(self, text: str, *, allowed: set[str]) -> str | None:
        for run in DIGITS.findall(text):
            if run in self.numbers and run not in allowed:
                return run
        names = self.names - allowed
        lengths = sorted({len(name) for name in names})
        for word in set(TOKEN.findall(text)):
            for size in lengths:
                for start in range(len(word) - size + 1):
                    if word[start:start + size] in names:
                        return word[start:start + size]
        return next((name for name in names if not TOKEN.fullmatch(name) and name in text),
                    None)


def allowed_names(db: Session, scope: str | None, above: list[str]) -> set[str]:
    """Names of the areas a persona may see, that lie above its area or that it sees through
    another relation (scope_samples.also_visible)."""
    if scope is None:
        return set()
    visible = Area.code.startswith(scope) | Area.code.in_([*above, *also_visible(db, scope)])
    return {name for (name,) in db.execute(select(Area.name).where(visible))}


def branch_secrets(db: Session, scope: str, above: list[str]) -> Secrets:
    """Names and codes of areas, users' names, leaders' phones in other branches of the tree.
    Codes of districts and cities are left out: ID numbers (also masked ones) start with them."""
    mine = allowed_names(db, scope, above)
    related = also_visible(db, scope)
    secrets = Secrets(*personal_texts(db, scope, above))
    for code, name in db.execute(select(Area.code, Area.name).where(
            other_branch_filter(Area.code, scope, above))):
        if code in related:
            continue
        if len(code) > 6:
            secrets.numbers.add(code)
        if len(name) >= 2 and not any(name in allowed for allowed in mine):
            secrets.names.add(name)
    return secrets


def personal_texts(db: Session, scope: str, above: list[str]) -> tuple[set[str], set[str]]:
    """Display names of users and phones of leaders outside the scope and its ancestors."""
    names = {name for (name,) in db.execute(select(User.display_name).where(
        other_branch_filter(User.area_code, scope, above)))}
    phones = {phone for (phone,) in db.execute(select(Leader.phone).where(
        other_branch_filter(Leader.area_code, scope, above))) if len(phone) >= 7}
    return names, phones


def readable(response: Response) -> str:
    """The body as text; a spreadsheet (zip) is opened and its parts read."""
    content = response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(item).decode("utf-8", "replace")
                             for item in archive.namelist())
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("utf-8", "replace")


# --- the walk ----------------------------------------------------------------------------------


@dataclass
class Walk:
    """One persona's walk over every route; failures are collected, not raised one by one."""

    client: TestClient
    db: Session
    persona: str
    scope: str | None  # None: anonymous
    sign_in: Callable[[], None]
    openapi: dict[str, Any]
    probes: dict[str, list[Probe]]
    secrets: Secrets
    above: list[str]
    failures: list[str] = field(default_factory=list)
    current: str = ""
    state: dict[str, Any] | None = None  # rows outside the scope as the last check left them
    watching: bool = True  # off while a public route registers what anyone may register
    given: dict[str, Any] = field(default_factory=dict)  # the values, once worked out

    def fail(self, message: str) -> None:
        self.failures.append(f"{self.persona}: {self.current}: {message}")

    # requests

    def values(self) -> dict[str, Any]:
        """Field values for bodies and queries: the out-of-scope probes, plausible the rest."""
        if not self.given:
            self.given = self.work_out_values()
        return self.given

    def work_out_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": "越权测试", "display_name": "越权测试", "title": "越权测试",
            "notes": "越权测试", "phone": "13900000000", "role": "grid_worker",
            "username": self.persona if self.scope is not None else "anonymous-walker",
            "password": DEMO_PASSWORD, "current_password": DEMO_PASSWORD,
            # a new password that two fields disagree on and the policy refuses: the walk must
            # not change the persona's password
            "new_password": "short1", "confirm_password": "short2",
            "duty": "responsible", "population": 1, "locale": "zh_Hans", "expires_days": 30,
        }
        for name, probes in self.probes.items():
            if probes:
                values[name] = probes[-1].value
        for name, existing in UNSCOPED.items():
            values.setdefault(name, existing(self.db)[0])
        area = self.probes["code"][-1].value if self.probes.get("code") else "2202"
        values["code"] = area + ("99" if len(area) == 4 else "999")
        values["level"] = LEVEL_OF_LENGTH.get(len(area), "street")
        return values

    def call(self, endpoint: Endpoint, path: str, query: dict[str, Any] | None = None) -> (
        Response | None
    ):
        kwargs: dict[str, Any] = {"params": query, "follow_redirects": False}
        if endpoint.method in UNSAFE:
            csrf = self.client.cookies.get(CSRF_COOKIE, "")
            kwargs["headers"] = {"X-CSRF-Token": csrf}
            schema = json_body_schema(self.openapi, endpoint) if endpoint.api else None
            if schema is not None:
                components = self.openapi.get("components", {}).get("schemas", {})
                kwargs["json"] = instance_of(schema, components, self.values())
            else:
                kwargs["data"] = {**self.values(), "csrf_token": csrf}
        try:
            return self.client.request(endpoint.method, path, **kwargs)
        except Exception as error:  # an exception in the app is a finding, not the end
            self.fail(f"{path}: the app raised {type(error).__name__}: {error}")
            return None

    def call_public(self, endpoint: Endpoint, path: str, public: bool) -> Response | None:
        """A call during which writes outside the scope are allowed if the route is public."""
        self.watching = not public
        try:
            return self.call(endpoint, path)
        finally:
            self.watching = True

    def keep_signed_in(self, before: list[Cookie]) -> None:
        """After a request that signed in or out: the old session back, or a new sign-in."""
        old = next((item.value for item in before if item.name == SESSION_COOKIE), None)
        if self.client.cookies.get(SESSION_COOKIE) == old:
            return
        self.client.cookies.jar.clear()
        for item in before:
            self.client.cookies.jar.set_cookie(item)
        home = self.client.get("/", follow_redirects=False)
        if self.scope is not None and home.headers.get("location", "").startswith("/login"):
            self.sign_in()

    def cookies(self) -> list[Cookie]:
        return list(self.client.cookies.jar)

    # checks

    def check_answer(self, response: Response, *, allowed: set[str]) -> None:
        status = response.status_code
        if status >= 500:
            self.fail(f"answered {status}: {response.text[:300]}")
        found = self.secrets.find(readable(response), allowed=allowed)
        if found:
            self.fail(f"shows {found!r}, which lies outside the scope")

    def check_like_missing(self, out: Response, missing: Response, probes: list[Probe]) -> None:
        status = out.status_code
        if 200 <= status < 300:
            self.fail(f"answered {status} for a record outside the scope")
        if 300 <= status < 400 and not out.headers.get("location", "").startswith("/login"):
            self.fail(f"redirected to {out.headers.get('location')} for a record outside the scope")
        if status >= 500:
            self.fail(f"answered {status}: {out.text[:300]}")
        if status != missing.status_code:
            self.fail(f"answers {status} for a record outside the scope but "
                      f"{missing.status_code} for a missing one")
        body = readable(out)
        for probe in probes:
            for secret in probe.secrets:
                if secret and secret in body:
                    self.fail(f"shows {secret!r} of a record outside the scope")

    # state

    def snapshot(self) -> dict[str, Any]:
        """Counts of rows in other branches, per table, and the probed records as they are."""
        state: dict[str, Any] = dict(self.db.execute(self.counts_query()).all())
        for probes in self.probes.values():
            for probe in probes:
                state[f"{probe.model.__tablename__}:{probe.key}"] = row_of(self.db, probe)
        return state

    def counts_query(self) -> Any:
        parts = []
        for table in Base.metadata.sorted_tables:
            column = table.c.get("area_code") if table.name != "areas" else table.c.code
            if column is None or table.name == AuditEntry.__tablename__:
                continue
            where = (other_branch_filter(column, self.scope, self.above)
                     if self.scope is not None else literal(True))
            parts.append(select(literal(table.name), func.count()).select_from(table).where(where))
        return union_all(*parts)

    def check_unchanged(self, *, public: bool = False) -> None:
        """Rows outside the scope are as the previous check found them (reads change nothing
        there: the flush watch sees to that). After a public route: a new starting point."""
        before = self.state if self.state is not None and not public else {}
        self.state = after = self.snapshot()
        for key, value in before.items():
            if after.get(key) != value:
                self.fail(f"changed {key} outside the scope: {value!r} -> {after.get(key)!r}")

    def watch(self, session: Session, _context: Any, _instances: Any) -> None:
        """before_flush: a row written in another branch of the tree is a failure."""
        if not self.watching:
            return
        for item in [*session.new, *session.dirty, *session.deleted]:
            if isinstance(item, UNWATCHED_WRITES) or not hasattr(item, "area_code"):
                continue
            if item in session.dirty and not session.is_modified(item):
                continue
            area = str(item.area_code)
            if self.scope is None or (not area.startswith(self.scope) and area not in self.above):
                self.fail(f"wrote {type(item).__name__} of area {area}")


def row_of(db: Session, probe: Probe) -> tuple[Any, ...] | None:
    (key_column,) = inspect(probe.model).primary_key
    table = probe.model.__table__
    row = db.execute(select(table).where(key_column == probe.key)).first()
    return None if row is None else tuple(row)


# --- walking one route ------------------------------------------------------------------------


def walk_with_parameters(walk: Walk, endpoint: Endpoint, public: bool) -> None:
    session = walk.cookies()
    fixed = {name: UNSCOPED[name](walk.db)[0] for name in endpoint.params if name in UNSCOPED}
    scoped = [name for name in endpoint.params if name not in UNSCOPED]
    if public or not scoped:
        answer = walk.call_public(endpoint, endpoint.fill({**walk.values(), **fixed}), public)
        walk.keep_signed_in(session)
        if answer is not None and answer.status_code >= 500:
            walk.fail(f"answered {answer.status_code}: {answer.text[:300]}")
        if endpoint.method in UNSAFE:
            walk.check_unchanged(public=public)
        return
    missing = {name: first_missing(walk.probes.get(name, [])) for name in scoped}
    missing_answer = walk.call(endpoint, endpoint.fill({**missing, **fixed}))
    walk.keep_signed_in(session)
    for pick in range(2):
        probes = [walk.probes[name][min(pick, len(walk.probes[name]) - 1)]
                  for name in scoped if walk.probes.get(name)]
        if len(probes) < len(scoped):
            walk.fail("scope_samples gives no record outside the scope for "
                      f"{[name for name in scoped if not walk.probes.get(name)]}")
            return
        values = {name: probe.value for name, probe in zip(scoped, probes, strict=True)}
        answer = walk.call(endpoint, endpoint.fill({**values, **fixed}))
        walk.keep_signed_in(session)
        if answer is not None and missing_answer is not None:
            walk.check_like_missing(answer, missing_answer, probes)
        if endpoint.method in UNSAFE:
            walk.check_unchanged()


def first_missing(probes: list[Probe]) -> str:
    return probes[0].missing if probes else "987654321"


def walk_without_parameters(walk: Walk, endpoint: Endpoint, public: bool) -> None:
    session = walk.cookies()
    if endpoint.method in UNSAFE:
        answer = walk.call_public(endpoint, endpoint.path, public)
        walk.keep_signed_in(session)
        if answer is not None and answer.status_code >= 500:
            walk.fail(f"answered {answer.status_code}: {answer.text[:300]}")
        walk.check_unchanged(public=public)
        return
    query = {name: walk.values()[name] for name in SAMPLES if name in walk.values()}
    for params in (None, query):
        answer = walk.call(endpoint, endpoint.path, params)
        if answer is None:
            continue
        if public and answer.status_code >= 500:
            walk.fail(f"answered {answer.status_code}: {answer.text[:300]}")
        elif not public:
            walk.check_answer(answer, allowed={str(value) for value in (params or {}).values()})


def walk_as_admin(walk: Walk, endpoint: Endpoint) -> None:
    """The administrator sees everything: only records that do not exist are tried."""
    if not endpoint.params:
        return
    session = walk.cookies()
    missing = {name: UNSCOPED[name](walk.db)[1] if name in UNSCOPED else
               first_missing(walk.probes.get(name, [])) for name in endpoint.params}
    answer = walk.call(endpoint, endpoint.fill(missing))
    walk.keep_signed_in(session)
    if answer is None:
        return
    invalid_body = answer.status_code == 422 and json_body_schema(walk.openapi, endpoint)
    if answer.status_code != 404 and not invalid_body:
        walk.fail(f"answered {answer.status_code} for a record that does not exist "
                  f"({endpoint.fill(missing)}): {answer.text[:200]}")


# --- the test ----------------------------------------------------------------------------------


@pytest.fixture
def world(db: Session) -> None:
    build_foreign_world(db)
    db.commit()  # out of reach of the rollbacks of requests that fail


def make_walk(db: Session, client: TestClient, app: FastAPI, persona: str,
              sign_in: Callable[[], None]) -> Walk:
    known = {item.username: item for item in PERSONAS}
    scope = known[persona].area_code if persona in known else None
    probe_scope = scope if scope is not None else ANONYMOUS_PROBES_FROM
    above = ancestors(db, scope) if scope is not None else []
    secrets = (branch_secrets(db, scope, above) if scope is not None else
               Secrets(*personal_texts(db, NOTHING, [])))
    probes = probes_for(db, probe_scope)
    secrets.names |= {secret for found in probes.values() for probe in found
                      for secret in probe.secrets if secret} - allowed_names(db, scope, above)
    return Walk(client=client, db=db, persona=persona, scope=scope, sign_in=sign_in,
                openapi=app.openapi(), probes=probes, secrets=secrets, above=above)


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("persona", [*(item.username for item in PERSONAS), ANONYMOUS])
def test_no_route_reaches_outside_the_personas_area(
    app: FastAPI, client: TestClient, db: Session, as_user: Any, persona: str
) -> None:
    def sign_in() -> None:
        if persona == ANONYMOUS:
            client.cookies.clear()
            client.get("/login")
        else:
            as_user(persona)

    sign_in()
    walk = make_walk(db, client, app, persona, sign_in)
    walk.check_unchanged()  # the state the walk starts from
    admin = persona == "admin"
    event.listen(db, "before_flush", walk.watch)
    try:
        for endpoint in endpoints(app):
            walk.current = endpoint.label
            public = is_public(endpoint.path)
            if admin:
                walk_as_admin(walk, endpoint)
            elif endpoint.params:
                walk_with_parameters(walk, endpoint, public)
            else:
                walk_without_parameters(walk, endpoint, public)
    finally:
        event.remove(db, "before_flush", walk.watch)
    if walk.failures:
        pytest.fail(f"{len(walk.failures)} findings:\n" + "\n".join(walk.failures[:80]),
                    pytrace=False)


@pytest.mark.usefixtures("world")
def test_the_samples_lie_outside_each_personas_area(db: Session) -> None:
    for persona in PERSONAS:
        if persona.role.value == "admin":
            continue
        above = ancestors(db, persona.area_code)
        for name, probes in probes_for(db, persona.area_code).items():
            assert probes, f"{persona.username}: no sample for {name}"
            for probe in probes:
                assert not probe.area_code.startswith(persona.area_code), (persona, probe)
                assert probe.area_code not in above, (persona, probe)
                assert row_of(db, probe) is not None
                missing_key = probe.missing if probe.model is Area else int(probe.missing)
                assert db.get(probe.model, missing_key) is None, probe
