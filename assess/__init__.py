"""assess: customer-centricity as a means and as an end, from staff and customers."""

from __future__ import annotations

import os

from flask import Flask

from assess.paths import static_dir, templates_dir


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory: defaults, ``ASSESS_*`` env, then ``test_config``."""
    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("ASSESS_INSTANCE_PATH")
        or None,
        instance_relative_config=True,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
    )

    from assess import config

    config.configure(app, test_config)
    from assess import logs

    # First of the request hooks: the request id and clock start before any other.
    logs.init_app(app)
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address (rate limits) and scheme come from this many proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # werkzeug's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    from assess import limits

    # First: the URL converter before any route, the body limits before CSRF reads a form.
    limits.init_app(app)
    _configure_extensions(app)
    _register_features(app)
    return app


def _configure_extensions(app: Flask) -> None:
    import assess.models  # noqa: F401  (the metadata must know every table)
    from assess import headers
    from assess.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    headers.init_app(app)  # CSP, HSTS, no-store on exports (assess/headers.py)
    from assess import text

    # User strings in templates: `|bidi` isolates one in <bdi> without its bidi
    # controls; `|strip_bidi` only removes them (titles, attributes, SVG text).
    app.add_template_filter(text.isolated, "bidi")
    app.add_template_filter(text.plain, "strip_bidi")


def _register_features(app: Flask) -> None:
    from assess import (
        accounts,
        audit,
        engagements,
        errors,
        health,
        jobs,
        organisations,
        reports,
        respondents,
        results,
        sharing,
        transfer,
        workspaces,
    )
    from assess.cli import register_core_commands

    features = (
        errors, accounts, workspaces, engagements, respondents, results, reports, transfer,
        sharing, audit, organisations, health, jobs,
    )
    for feature in features:
        feature.init_app(app)
    register_core_commands(app)
