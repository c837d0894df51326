"""The web app: a JSON API over the public gigacampus API, and the dashboard page.

The web layer never computes: it parses requests, calls :func:`gigacampus.run` and the report
renderers, and returns their results. Safety rules:

- it reads no file path from a request (shipped scenarios are looked up by id in a fixed list);
- request bodies are limited to :data:`MAX_BODY_BYTES`; the work one request can ask for is
  bounded (years, phases, overrides, runs per comparison; see :mod:`gigacampus.web.limits`);
- bad input gets HTTP 4xx with the same problem list as the command line
  (:meth:`gigacampus.errors.Problem.to_dict`), and the server keeps serving.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gigacampus._version import __version__
from gigacampus.catalog import load_catalog
from gigacampus.errors import InputError, Problem, closest
from gigacampus.limits import (
    MAX_BODY_BYTES,
    MAX_CONCURRENT_RUNS,
    MAX_JOB_DAYS,
    MAX_OVERRIDES,
    MAX_PHASES,
    MAX_QUEUE_WAIT_S,
    MAX_REPLICA_YEARS,
    MAX_RUNS_PER_COMPARISON,
    MAX_SWEEP_SAMPLES,
    MAX_SWEEP_SENSITIVITY_SAMPLES,
    MAX_YEARS,
    WEB,
    use_budget,
)
from gigacampus.pipeline import run
from gigacampus.report.charts import figure_json, sections_for
from gigacampus.report.columns import columns_json
from gigacampus.report.compare import comparison_charts, differences, render_comparison, unique_labels
from gigacampus.report.html import kpi_items, plotly_js, render_report, report_css
from gigacampus.report.summary import headline_sentences
from gigacampus.scenario import Scenario, apply_overrides, format_path, parse_toml, scenario_from_dict
from gigacampus.scenario.base import describe_sections
from gigacampus.scenario.reference import json_schema
from gigacampus.scenario.shipped import shipped_scenarios
from gigacampus.sweep import HEADLINE, prepare_sweep, run_sweep
from gigacampus.web.controls import key_controls

__all__ = ["create_app"]

log = logging.getLogger("gigacampus.web")

REQUEST = "<request>"

# --- request and response models (they are the OpenAPI document) -----------------------


class ScenarioRequest(BaseModel):
    """A scenario to run: exactly one of ``scenario_id``, ``toml`` or ``scenario``, plus overrides."""

    model_config = ConfigDict(extra="forbid")

    scenario_id: str | None = Field(None, max_length=64, description="Id of a shipped scenario (GET /api/scenarios).")
    toml: str | None = Field(None, max_length=MAX_BODY_BYTES, description="Scenario file text (TOML).")
    scenario: dict[str, Any] | None = Field(None, description="The scenario as JSON, with the TOML file's keys.")
    overrides: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list,
        max_length=MAX_OVERRIDES,
        description="key.path=value overrides, as the command line's --set (e.g. site.pue=1.2).",
    )
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Seed for random draws (default: the scenario's).")
    name: str = Field(
        REQUEST,
        min_length=1,
        max_length=120,
        description="Label used in error messages, e.g. an uploaded file's name; never opened as a file.",
    )


class CompareRequest(BaseModel):
    """Runs to compare side by side."""

    model_config = ConfigDict(extra="forbid")

    runs: list[ScenarioRequest] = Field(min_length=2, max_length=MAX_RUNS_PER_COMPARISON)


class SweepRequest(BaseModel):
    """A bounded sweep of a shipped scenario: its ``[uncertainty]`` inputs and ``vary``, as ``gigacampus sweep``."""

    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(max_length=64, description="Id of a shipped scenario (GET /api/scenarios).")
    overrides: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=MAX_OVERRIDES, description="key.path=value overrides, as --set."
    )
    vary: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list,
        max_length=MAX_OVERRIDES,
        description="KEY=DIST(...) inputs, as the command line's --vary (e.g. site.pue=uniform(1.1,1.4)).",
    )
    correlate: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list,
        max_length=MAX_OVERRIDES,
        description="A,B=RHO rank correlations of two sampled inputs, as the command line's --correlate.",
    )
    samples: int = Field(64, description=f"Samples (1 to {MAX_SWEEP_SAMPLES} in a web request).")
    method: str | None = Field(None, max_length=32, description="Sampling method (default: the scenario's).")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Seed (default: the scenario's).")
    sensitivity: bool = Field(False, description="Sobol indices at the last year (a small design).")


class ProblemOut(BaseModel):
    """One problem, as ``gigacampus validate --format json`` prints it."""

    source: str
    path: str
    message: str
    suggestion: str | None
    text: str


class ErrorResponse(BaseModel):
    """Every 4xx answer: a one-line summary and the problems, one per line of the CLI's output."""

    detail: str
    problems: list[ProblemOut]


class ValidateResponse(BaseModel):
    """Same shape as one item of ``gigacampus validate --format json``."""

    file: str
    ok: bool
    problems: list[ProblemOut]


class ScenarioListItem(BaseModel):
    id: str
    name: str
    start_year: int
    end_year: int
    phases: int
    description: str


class ShippedScenario(ScenarioListItem):
    toml: str


class ChartOut(BaseModel):
    """A Plotly figure (``data``, ``layout``) with its section, title and caption."""

    section: str
    id: str
    title: str
    caption: str
    data: list[dict[str, Any]]
    layout: dict[str, Any]


class KpiOut(BaseModel):
    """A headline card: the value as shown (thousands separators, units) and what it is."""

    value: str
    label: str


class ReportResponse(BaseModel):
    """Everything the dashboard draws: the summary, its headline, charts and input controls."""

    summary: dict[str, Any]
    headline: list[str]
    charts: list[ChartOut]
    controls: list[dict[str, Any]]
    kpis: list[KpiOut] = []


class CompareResponse(BaseModel):
    labels: list[str]
    differences: list[dict[str, Any]]
    charts: list[ChartOut]


class Health(BaseModel):
    status: str
    version: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The body is not valid JSON."},
    404: {"model": ErrorResponse, "description": "No such shipped scenario."},
    413: {"model": ErrorResponse, "description": f"The body is larger than {MAX_BODY_BYTES:,} bytes."},
    422: {"model": ErrorResponse, "description": "The request or its scenario is invalid; problems say where."},
    503: {"model": ErrorResponse, "description": "Every computation slot stayed busy; retry after a few seconds."},
}


#: How scenario requests appear in the OpenAPI document, with examples.
SCENARIO_BODY = Body(
    openapi_examples={
        "shipped": {"summary": "A shipped scenario", "value": {"scenario_id": "stargate-uae"}},
        "override": {
            "summary": "With overrides",
            "value": {"scenario_id": "stargate-uae", "overrides": ["quota.campus_share=0.2", "site.pue=1.2"]},
        },
        "toml": {
            "summary": "Scenario text",
            "value": {
                "toml": '[scenario]\nname = "Test"\nstart_year = 2026\nend_year = 2030\n[site]\npue = 1.2\n'
                '[[phase]]\nname = "P1"\nonline_year = 2026\npower_mw = 100\naccelerator = "h100-sxm"\n',
                "name": "test.toml",
            },
        },
    }
)


#: The same errors for routes that answer HTML on success (their errors are still JSON).
HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for status, spec in ERRORS.items()
}


def _html_responses(description: str) -> dict[int | str, dict[str, Any]]:
    return {**HTML_ERRORS, 200: {"content": {"text/html": {}}, "description": description}}


# --- helpers ------------------------------------------------------------------------------


def _error(status: int, detail: str, problems: Sequence[Problem]) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail, "problems": [p.to_dict() for p in problems]})


def _limits(scn: Scenario, source: str) -> None:
    """Refuse scenarios larger than one web request may ask for."""
    problems = []
    years = scn.scenario.end_year - scn.scenario.start_year + 1
    if years > MAX_YEARS:
        problems.append(
            Problem(
                source,
                "scenario.end_year",
                f"found {scn.scenario.end_year}: {years} years; allowed: at most {MAX_YEARS} years in a web request "
                "(the command line allows more)",
            )
        )
    if len(scn.phase) > MAX_PHASES:
        problems.append(
            Problem(
                source,
                "phase",
                f"found {len(scn.phase)} phases; allowed: at most {MAX_PHASES} in a web request "
                "(the command line allows more)",
            )
        )
    rel = scn.reliability
    if rel is not None and rel.replicas * years > MAX_REPLICA_YEARS:
        problems.append(
            Problem(
                source,
                "reliability.replicas",
                f"found {rel.replicas} replicas x {years} years = {rel.replicas * years:,} replica-years; allowed: at "
                f"most {MAX_REPLICA_YEARS:,} in a web request (the command line allows more)",
            )
        )
    if rel is not None and rel.job_days > MAX_JOB_DAYS:
        problems.append(
            Problem(
                source,
                "reliability.job_days",
                f"found {rel.job_days:g}; allowed: at most {MAX_JOB_DAYS:g} days "
                "in a web request (the command line allows more)",
            )
        )
    if problems:
        raise InputError(problems)


def _scenario_from(req: ScenarioRequest) -> Scenario:
    """The request's scenario, validated exactly as the CLI does, then bounded for the web."""
    source = req.name
    given = [k for k in ("scenario_id", "toml", "scenario") if getattr(req, k) is not None]
    if len(given) != 1:
        found = ", ".join(given) if given else "none of them"
        raise InputError([Problem(source, "", f"found {found}; allowed: exactly one of scenario_id, toml, scenario")])
    if req.scenario_id is not None:
        shipped = shipped_scenarios()
        if req.scenario_id not in shipped:
            raise InputError(
                [
                    Problem(
                        source,
                        "scenario_id",
                        f"unknown scenario {req.scenario_id!r}; allowed: {', '.join(shipped)}",
                        closest(req.scenario_id, shipped),
                    )
                ]
            )
        if source == REQUEST:
            source = f"{req.scenario_id}.toml"
        data = parse_toml(shipped[req.scenario_id], source)
    elif req.toml is not None:
        data = parse_toml(req.toml, source)
    else:
        data = dict(req.scenario or {})
    if req.overrides:
        data = apply_overrides(data, req.overrides)
    scn = scenario_from_dict(data, source)
    _limits(scn, source)
    return scn


def _shipped(scenario_id: str) -> dict[str, Any]:
    """A shipped scenario's listing (404 for an unknown id)."""
    scn = _scenario_from(ScenarioRequest(scenario_id=scenario_id))
    info = scn.scenario
    return {
        "id": scenario_id,
        "name": info.name,
        "start_year": info.start_year,
        "end_year": info.end_year,
        "phases": len(scn.phase),
        "description": " ".join(info.description.split()),
    }


def _summary(req: ScenarioRequest) -> dict[str, Any]:
    with use_budget(WEB):  # every loop's work is estimated and refused above the web budget first
        return run(_scenario_from(req), seed=req.seed).to_summary()


class Busy(Exception):
    """Every computation slot stayed taken for :data:`MAX_QUEUE_WAIT_S` (answered 503)."""


#: The bounded worker pool: endpoints that compute run in FastAPI's thread pool (off the event
#: loop, so the health check and static files stay answered), at most MAX_CONCURRENT_RUNS at once.
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_RUNS)


def computes(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a (sync) endpoint in one of the :data:`_SLOTS`; 503 if none frees up in time."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _SLOTS.acquire(timeout=MAX_QUEUE_WAIT_S):
            raise Busy()
        try:
            return func(*args, **kwargs)
        finally:
            _SLOTS.release()

    return wrapper


#: The columns a web sweep answers (the dashboard's fan charts and the headline table).
SWEEP_COLUMNS = HEADLINE


def _sweep(req: SweepRequest) -> dict[str, Any]:
    """Run a bounded sweep in a temporary folder (always removed) and answer its document without paths."""
    if not 1 <= req.samples <= MAX_SWEEP_SAMPLES:
        raise InputError(
            [
                Problem(
                    "--samples",
                    "",
                    f"found {req.samples}; allowed: 1 to {MAX_SWEEP_SAMPLES} in a web request "
                    "(the command line allows more)",
                )
            ]
        )
    with use_budget(WEB):
        scn = _scenario_from(ScenarioRequest(scenario_id=req.scenario_id, overrides=req.overrides))  # 404, limits
        spec = prepare_sweep(
            f"{req.scenario_id}.toml",
            text=shipped_scenarios()[req.scenario_id],
            samples=req.samples,
            method=req.method,
            seed=req.seed,
            sets=req.overrides,
            vary=req.vary,
            correlate=req.correlate,
            sensitivity=req.sensitivity,
            sensitivity_samples=MAX_SWEEP_SENSITIVITY_SAMPLES,
        )
        # each chunk is one batched run within the web budget's variants and variant-year-phase cells
        cells = len(spec.years) * max(1, len(scn.phase))
        chunk = max(1, min(WEB.variants, WEB.batch_cells // cells))
        doc = run_sweep(spec, None, chunk_size=chunk, workers=1)  # the numbers only, on this thread
    keep = (
        "scenario",
        "samples",
        "variants",
        "seed",
        "method",
        "inputs",
        "correlations",
        "set",
        "years",
        "probabilities",
        "notes",
    )
    out = {k: doc[k] for k in keep}
    out["outputs"] = {c: doc["outputs"][c] for c in SWEEP_COLUMNS if c in doc["outputs"]}
    if "sensitivity" in doc:
        out["sensitivity"] = {c: doc["sensitivity"][c] for c in SWEEP_COLUMNS if c in doc["sensitivity"]}
        out["sensitivity_design"] = doc["sensitivity_design"]
    return out


def _compare_summaries(req: CompareRequest) -> tuple[list[dict[str, Any]], list[str]]:
    """Every run's summary and legend label; the problems of all invalid runs at once, each naming its run."""
    summaries, problems = [], []
    for i, item in enumerate(req.runs):
        try:
            summaries.append(_summary(item))
        except InputError as err:
            problems += [
                Problem(p.source, f"runs[{i}]" + (f".{p.path}" if p.path else ""), p.message, p.suggestion)
                for p in err.problems
            ]
    if problems:
        raise InputError(problems)
    return summaries, unique_labels([s["scenario"]["name"] for s in summaries])


def _charts(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"section": s.key, **figure_json(c)} for s, charts in sections_for(summary) for c in charts]


@functools.cache
def _static(name: str) -> str:
    return (importlib.resources.files("gigacampus.web") / "static" / name).read_text(encoding="utf-8")


_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_STATIC = {
    "dashboard.js": ("text/javascript", lambda: _static("dashboard.js")),
    "dashboard.css": ("text/css", lambda: _static("dashboard.css")),
    "report.css": ("text/css", report_css),
    "plotly.min.js": ("text/javascript", plotly_js),
}


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``max_bytes`` with HTTP 413."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _problem(self) -> Problem:
        return Problem(REQUEST, "", f"request body too large; allowed: at most {self.max_bytes:,} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _error(413, "request body too large", [self._problem()])(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a body sent without Content-Length
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, limited, send)


#: Host names every server answers to (a browser on this machine).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


class HostCheck:
    """ASGI middleware: answer 421 to a request whose Host header is not an allowed name.

    A page on another site can point its own domain at 127.0.0.1 (DNS rebinding) and then read
    the API with the victim's browser; its requests carry that domain in Host, so checking Host
    blocks it. Runs first, so no later response (a trailing-slash redirect) echoes a foreign host.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str]):
        self.app = app
        self.allowed = {h.lower() for h in allowed}

    def host_ok(self, scope: Scope) -> bool:
        raw = dict(scope.get("headers") or []).get(b"host")
        if raw is None:
            return False
        try:
            host = raw.decode("ascii").strip().lower()
        except UnicodeDecodeError:
            return False
        if host.startswith("["):  # [::1]:8000
            name, _, rest = host.partition("]")
            name += "]"
            port = rest.removeprefix(":")
        else:
            name, _, port = host.partition(":")
        return name in self.allowed and (port == "" or port.isdigit())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.host_ok(scope):
            allowed = ", ".join(sorted(self.allowed))
            problem = Problem(
                REQUEST, "Host", f"this server answers only to {allowed} (start it with --allowed-host NAME to add one)"
            )
            await _error(421, "unknown host", [problem])(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", _CSP)
        return response


def _error_handlers(app: FastAPI, max_body_bytes: int) -> None:
    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        status = 404 if any(p.path == "scenario_id" for p in exc.problems) else 422
        return _error(status, "invalid scenario" if status == 422 else "no such scenario", exc.problems)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        status = 422
        for err in exc.errors():
            loc = [p for p in err.get("loc", ()) if p != "body"]
            if err.get("type") == "json_invalid":
                status = 400
                ctx = err.get("ctx") or {}
                problems.append(Problem(REQUEST, "", f"not valid JSON: {ctx.get('error', err.get('msg'))}"))
                continue
            found = err.get("input")
            shown = repr(found) if not isinstance(found, (dict, list)) else type(found).__name__
            if len(shown) > 60:
                shown = shown[:57] + "..."
            message = f"{err.get('msg', 'invalid')}" + (f" (found {shown})" if err.get("type") != "missing" else "")
            problems.append(Problem(REQUEST, format_path(loc), message))
        detail = "request body is not valid JSON" if status == 400 else "invalid request"
        return _error(status, detail, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413:
            message = f"request body too large; allowed: at most {max_body_bytes:,} bytes"
        elif exc.status_code == 404:
            message = f"no such page: {request.url.path}"
        elif exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # json.loads failing beyond a syntax error: nesting past Python's recursion limit or an
            # integer over 4,300 digits
            message = "the body cannot be read as JSON (nested too deep or a number too long); allowed: a JSON object"
        else:
            message = str(exc.detail)
        return _error(exc.status_code, str(exc.detail), [Problem(REQUEST, "", message)])

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        message = (
            f"the server is running {MAX_CONCURRENT_RUNS} computations and none finished within "
            f"{MAX_QUEUE_WAIT_S:g} s; try again shortly"
        )
        response = _error(503, "server busy", [Problem(REQUEST, "", message)])
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, "internal error", [Problem(REQUEST, "", "internal error; the server logged it")])


def create_app(*, max_body_bytes: int = MAX_BODY_BYTES, allowed_hosts: Sequence[str] = ()) -> FastAPI:
    """The FastAPI application (the ``gigacampus serve`` command runs it with uvicorn).

    It answers to the Host names in :data:`LOCAL_HOSTS` and ``allowed_hosts`` (421 otherwise).
    """
    # the sections' descriptions now, before any request: attaching them rebuilds the models,
    # which must not happen while another request's thread validates a scenario
    describe_sections()
    app = FastAPI(
        title="gigacampus",
        version=__version__,
        description=(
            "Plan and simulate gigawatt-scale AI compute campuses. Run a scenario (a shipped one, TOML text or "
            "JSON), validate it, compare runs, and get the report's charts. Errors are HTTP 4xx with the same "
            "problem list as the command line."
        ),
        docs_url=None,  # Swagger UI loads its scripts from a CDN, which the CSP (and offline use) forbids
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(HostCheck, allowed=[*LOCAL_HOSTS, *allowed_hosts])  # added last: runs first
    _security_headers(app)
    _error_handlers(app, max_body_bytes)
    catalog = load_catalog()

    @app.get("/api/health", tags=["service"])
    async def health() -> Health:
        """Liveness check with the gigacampus version."""
        return Health(status="ok", version=__version__)

    @app.get("/api/scenarios", tags=["scenarios"])
    def list_scenarios() -> list[ScenarioListItem]:
        """The shipped scenarios."""
        return [ScenarioListItem(**_shipped(sid)) for sid in shipped_scenarios()]

    @app.get("/api/scenarios/{scenario_id}", tags=["scenarios"], responses={404: ERRORS[404], 422: ERRORS[422]})
    def get_scenario(scenario_id: Annotated[str, PathParam(max_length=64)]) -> ShippedScenario:
        """One shipped scenario with its TOML text."""
        return ShippedScenario(**_shipped(scenario_id), toml=shipped_scenarios()[scenario_id])

    @app.get("/api/catalog", tags=["catalog"])
    def get_catalog() -> list[dict[str, Any]]:
        """Every accelerator and system with derived values and sources (as ``gigacampus catalog --format json``)."""
        return [catalog.describe(i) for i in catalog.ids()]

    @app.get("/api/columns", tags=["scenarios"])
    def get_columns() -> list[dict[str, Any]]:
        """Every result column with unit, type, analysis and meaning (as ``gigacampus columns --format json``)."""
        return columns_json()

    @app.get("/api/schema", tags=["scenarios"])
    def get_schema() -> dict[str, Any]:
        """The scenario JSON schema (as ``gigacampus schema --format json``)."""
        return json_schema()

    @app.post(
        "/api/validate",
        tags=["scenarios"],
        responses={400: ERRORS[400], 413: ERRORS[413], 422: {**ERRORS[422], "description": "The request is invalid."}},
    )
    def validate(req: Annotated[ScenarioRequest, SCENARIO_BODY]) -> ValidateResponse:
        """Check a scenario; ``ok`` false with the problems when it is invalid (still HTTP 200)."""
        try:
            _scenario_from(req)
        except InputError as err:
            return ValidateResponse(file=req.name, ok=False, problems=[ProblemOut(**p.to_dict()) for p in err.problems])
        return ValidateResponse(file=req.name, ok=True, problems=[])

    @app.post("/api/run", tags=["runs"], responses=ERRORS)
    @computes
    def run_scenario(req: Annotated[ScenarioRequest, SCENARIO_BODY]) -> dict[str, Any]:
        """Run a scenario and return its summary (the ``summary.json`` document)."""
        return _summary(req)

    @app.post("/api/report", tags=["runs"], responses=ERRORS)
    @computes
    def report(req: Annotated[ScenarioRequest, SCENARIO_BODY]) -> ReportResponse:
        """Run a scenario and return what the dashboard draws: summary, headline, Plotly charts, controls."""
        scn = _scenario_from(req)
        with use_budget(WEB):  # as /api/run: every loop's work is refused above the web budget first
            summary = run(scn, seed=req.seed).to_summary()
        return ReportResponse(
            summary=summary,
            headline=headline_sentences(summary),
            charts=[ChartOut(**c) for c in _charts(summary)],
            controls=key_controls(summary, scn.hardware_catalog(catalog)),  # with the scenario's own hardware
            kpis=[KpiOut(value=v, label=label) for v, label in kpi_items(summary)],
        )

    @app.post(
        "/api/report.html",
        tags=["runs"],
        response_class=HTMLResponse,
        responses=_html_responses("The self-contained HTML report."),
    )
    @computes
    def report_html(req: Annotated[ScenarioRequest, SCENARIO_BODY]) -> HTMLResponse:
        """Run a scenario and return its self-contained HTML report (as ``report.html``)."""
        return HTMLResponse(
            render_report(_summary(req)),
            headers={"Content-Disposition": 'attachment; filename="report.html"'},
        )

    @app.post("/api/compare", tags=["runs"], responses=ERRORS)
    @computes
    def compare(req: CompareRequest) -> CompareResponse:
        """Run several scenarios and return the table of headline differences and overlaid charts."""
        summaries, labels = _compare_summaries(req)
        charts = [{"section": "compare", **figure_json(c)} for c in comparison_charts(summaries, labels)]
        return CompareResponse(
            labels=labels, differences=differences(summaries, labels), charts=[ChartOut(**c) for c in charts]
        )

    @app.post("/api/sweep", tags=["runs"], responses=ERRORS)
    @computes
    def sweep(req: SweepRequest) -> dict[str, Any]:
        """Run a small sweep of a shipped scenario (at most MAX_SWEEP_SAMPLES samples): p5 / p50 / p95 by
        year of the headline columns, event probabilities and (if asked) Sobol indices; no file paths."""
        return _sweep(req)

    @app.post(
        "/api/compare.html",
        tags=["runs"],
        response_class=HTMLResponse,
        responses=_html_responses("The self-contained HTML comparison."),
    )
    @computes
    def compare_html(req: CompareRequest) -> HTMLResponse:
        """The comparison as one self-contained HTML page."""
        summaries, labels = _compare_summaries(req)
        return HTMLResponse(render_comparison(summaries, labels))

    @app.get("/", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(_static("dashboard.html"))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC:  # a fixed list: no path from the request reaches the file system
            raise HTTPException(404, "Not Found")
        media, read = _STATIC[name]
        return Response(read(), media_type=media, headers={"Cache-Control": "max-age=3600"})

    return app
