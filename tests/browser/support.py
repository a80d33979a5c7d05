"""What the browser tests share: the live server, screenshots, axe-core, browser options."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ASSESS_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def missing_tools() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}"
    if not AXE_SCRIPT.exists():
        return "node_modules/axe-core is missing: run `make test` with npm installed, or `npm ci`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def new_context(browser: Any, **options: Any) -> Any:
    """A fresh browser profile: no cookies, no storage. CSP is bypassed only so that
    axe-core can be injected; the pages themselves load nothing from outside."""
    options.setdefault("viewport", DESKTOP)
    options.setdefault("locale", "en-GB")
    return browser.new_context(bypass_csp=True, **options)


# -- the live server ------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Any

    def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in an app context (to set up or inspect data) and commit."""
        from assess.extensions import db

        with self.app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def engagement(self, status: str = "open", **kwargs: Any) -> dict[str, Any]:
        """A new engagement on the default instrument; its id and open links."""

        def make() -> dict[str, Any]:
            from assess.engagements.models import Status
            from assess.engagements.services import create_engagement, set_status
            from assess.respondents import links as respondent_links
            from tests.access import workspace_named

            engagement = create_engagement(
                workspace=workspace_named(kwargs.pop("workspace", "Northwind Consulting")),
                organisation=kwargs.pop("organisation", "Contoso Energy"),
                name=kwargs.pop("name", "Baseline"),
                prepared_by=kwargs.pop("prepared_by", "Dana Smith, Northwind Consulting"),
                **kwargs,
            )
            links = {}
            for audience in engagement.instrument().audiences():
                _link, token = respondent_links.open_link(engagement, audience)
                links[str(audience)] = respondent_links.link_url(token)
            if status != "draft":
                set_status(engagement, Status(status))
            return {"id": engagement.id, "links": links}

        return self.run(make)

    def consultant(self, email: str = "consultant@example.com",
                   password: str = "correct-horse", **details: Any) -> None:
        """A consultant of Northwind Consulting (``details``: ``create_user``'s)."""

        def make() -> None:
            from assess.accounts.services import create_user
            from assess.workspaces.models import MemberRole
            from assess.workspaces.services import add_member
            from tests.access import workspace_named

            user = create_user(email, password, **details)
            add_member(workspace_named("Northwind Consulting"), user, MemberRole.CONSULTANT)

        self.run(make)

    def sign_in(self, page: Any, email: str = "consultant@example.com",
                password: str = "correct-horse") -> None:
        """Through the sign-in page, as a person would."""
        page.goto(f"{self.url}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    def with_responses(self, engagement_id: int, count: int = 6) -> None:
        """Submitted staff and customer responses, varied, through the one writer."""

        def add() -> None:
            from assess.engagements.models import Engagement
            from assess.extensions import db
            from assess.respondents.codes import CodeLayout
            from assess.respondents.recording import NewResponse, record_submitted

            engagement = db.session.get(Engagement, engagement_id)
            assert engagement is not None
            instrument = engagement.instrument()
            for audience in instrument.audiences():
                layout = CodeLayout.for_instrument(instrument, audience)
                items = instrument.items_for(audience)
                batch = []
                for n in range(count):
                    answers: dict[str, int | None] = {}
                    for i, item in enumerate(items):
                        scale = instrument.scale(item.scale)
                        answers[item.id] = scale.min + (n + i) % (scale.max - scale.min + 1)
                    batch.append(NewResponse(answers=answers))
                record_submitted(engagement.id, layout, batch)

        self.run(add)

    def personal_links(self, engagement_id: int, audience: str, count: int = 1) -> list[str]:
        def make() -> list[str]:
            from assess.engagements.models import Engagement
            from assess.extensions import db
            from assess.instruments.schema import Audience
            from assess.respondents import links as respondent_links

            engagement = db.session.get(Engagement, engagement_id)
            tokens = respondent_links.create_single_use_links(
                engagement, Audience(audience), count
            )
            return [respondent_links.link_url(t) for t in tokens]

        return self.run(make)


# -- screenshots and axe ----------------------------------------------------------------


class Shots:
    """Numbered full-page screenshots of each step: NN-step.png (none without a folder,
    that is unless ``ASSESS_TEST_ARTIFACTS=1``)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Any, step: str) -> Path | None:
        self.count += 1
        if self.folder is None:
            return None
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


_axe_source: list[str] = []


def axe_violations(page: Any, selector: str | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (or in ``selector``)."""
    if not _axe_source:
        _axe_source.append(AXE_SCRIPT.read_text(encoding="utf-8"))
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source[0])
    result = page.evaluate(
        "async (selector) => await axe.run(selector || document, "
        "{resultTypes: ['violations']})",
        selector,
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any, selector: str | None = None) -> None:
    violations = axe_violations(page, selector)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
    )


def check_both_widths(page: Any, shots: Shots, step: str) -> None:
    """axe-core at 1280 and at 360 px, with a screenshot of each."""
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        shots(page, f"{step} {label}")
    page.set_viewport_size(DESKTOP)
