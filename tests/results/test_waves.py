"""An organisation's waves over time and the trend of its position, on its page
(docs/results.md, "Waves")."""

from __future__ import annotations

import re

import pytest

from assess.demo.generate import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from assess.engagements.services import organisation_engagements
from assess.extensions import db
from assess.results.service import engagement_results
from assess.results.waves import organisation_waves


def test_the_demo_organisations_two_waves(client, auth):
    engagement = load_demo(seed=11, staff=30, customers=60)
    db.session.commit()
    assert engagement is not None
    engagements = organisation_engagements(engagement.organisation)
    waves = organisation_waves(engagements)
    assert [w.engagement.name for w in waves] == [
        "Customer-centricity assessment 2025", "Customer-centricity assessment 2026"]
    earlier, later = waves
    # Each wave's position is its own results' position; the change is the difference.
    expected = engagement_results(engagement, with_previous=False).position
    assert (later.means, later.ends) == (expected.means, expected.ends)
    assert later.quadrant_label == expected.quadrant_label
    assert earlier.means_change is None
    assert later.means_change == pytest.approx(later.means - earlier.means)
    assert later.ends_change == pytest.approx(later.ends - earlier.ends)
    assert later.responses == {"staff": 30, "customer": 60}

    auth.login(DEMO_EMAIL, DEMO_PASSWORD)
    html = client.get(f"/organisations/{engagement.organisation_id}").get_data(as_text=True)
    assert 'data-testid="waves"' in html
    start = html.index('data-testid="waves"')
    table = html[start:html.index("</table>", start)]
    assert f"{later.means:.1f}" in table
    assert f"({later.means_change:+.1f})" in table
    assert "30 / 60" in table
    assert 'data-testid="wave-chart"' in html
    assert len(re.findall(r"<polyline ", html)) == 2  # means and ends


def test_a_wave_without_a_position(client, auth, make_user, make_engagement):
    user = make_user()
    auth.login(user.email)
    engagement = make_engagement(status="draft")
    html = client.get(f"/organisations/{engagement.organisation_id}").get_data(as_text=True)
    assert 'data-testid="no-waves"' in html
    assert 'data-testid="wave-chart"' not in html
