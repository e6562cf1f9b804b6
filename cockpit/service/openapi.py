"""A short OpenAPI description of the HTTP API, built from the metric registry and pages."""

from __future__ import annotations

from cockpit import metrics, reports


def _param(name: str, description: str, *, many: bool = False, enum=None, required: bool = False) -> dict:
    schema: dict = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    if many:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema,
            **({"style": "form", "explode": True} if many else {})}


PERIODS = ("today", "yesterday", "last_7", "last_30", "this_month", "last_month", "this_year")
FILTERS = ("brand", "store_type", "store", "account_type", "account", "agency", "channel")


def document() -> dict:
    period = [
        _param("period", "named period (business time, Asia/Shanghai)", enum=PERIODS),
        _param("from", "first day, YYYY-MM-DD"),
        _param("to", "last day, inclusive, YYYY-MM-DD"),
        _param("compare", "add comparison columns <metric>__cmp, __delta, __pct", enum=("prev", "yoy", "none")),
    ]
    csv_or_json = {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                   "text/csv": {"schema": {"type": "string"}}}
    errors = {"400": {"description": "a parameter is wrong; the body says which"},
              "401": {"description": "no or bad Bearer token (sign-in is on)"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Brand Cockpit API", "version": "1",
                 "description": "Every answer is limited to the token owner's data scope and recorded in the "
                                "audit log. Without users (local mode) the API answers this machine only."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/query": {"get": {
                "summary": "Metrics, as `cockpit query`",
                "parameters": [
                    _param("metrics", "metric ids, comma-separated or repeated", many=True, required=True,
                           enum=list(metrics.METRICS)),
                    _param("by", "dimensions to split by", many=True),
                    *period,
                    _param("where", "filter DIM=VALUE, repeatable", many=True),
                    _param("labels", "add <dim>_name columns", enum=("1", "0")),
                    _param("format", "json (default) or csv (UTF-8 with BOM)", enum=("json", "csv")),
                ],
                "responses": {"200": {"description": "one row per group", "content": csv_or_json}, **errors},
            }},
            "/api/v1/export/{page}": {"get": {
                "summary": "A page's tables, as `cockpit export`",
                "parameters": [
                    {"name": "page", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(reports.PAGES)}},
                    *period,
                    *[_param(f, f"filter by {f}", many=True) for f in FILTERS],
                    _param("live", "a live session id (sessions and review pages)"),
                    _param("entity", "store:ID or account:ID (entities page)"),
                    _param("table", "one table of the page (CSV)"),
                    _param("format", "csv (one table) or zip (all tables)", enum=("csv", "zip")),
                    _param("lang", "column labels", enum=("zh", "en")),
                ],
                "responses": {"200": {"description": "CSV (one table) or a zip of CSVs",
                                      "content": {"text/csv": {}, "application/zip": {}}}, **errors},
            }},
        },
    }
