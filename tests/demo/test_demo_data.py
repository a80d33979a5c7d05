"""The demo tells a story a consultant can show a prospect: every comment answers the
question it sits under, the staff are a real firm's mix, the segment breakdowns have
groups to show, and the figures say "customer-centric as a means" with a broad gap
on the ends (scoring as `assess results` does it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assess.demo.generate import COMMENTS, SHORT_COMMENTS, apportion

ENDS_WORST = {"ends_honesty", "ends_giving"}
HIDDEN_STRENGTH = "ends_humanity"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The default demo (seed 2026, 40 staff, 200 customers) loaded once for the module:
    this year's results, the year before's, each response's segment answers and
    every comment."""
    from assess import create_app
    from assess.extensions import db
    from assess.respondents.models import Comment, Response, SegmentAnswer
    from assess.results.service import engagement_results

    folder = tmp_path_factory.mktemp("demo-data")
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(folder / "instance"),
    })
    from assess.demo.generate import load_demo

    with app.app_context():
        db.create_all()
        engagement = load_demo()
        db.session.commit()
        assert engagement is not None
        segments: dict[str, Counter[str]] = {}
        for question_id, option_id in db.session.execute(
            select(SegmentAnswer.question_id, SegmentAnswer.option_id)
            .join(Response, Response.id == SegmentAnswer.response_id)
            .where(Response.engagement_id == engagement.id)
        ):
            segments.setdefault(question_id, Counter())[option_id] += 1
        comments = db.session.execute(
            select(Comment.question_id, Comment.text)
            .join(Response, Response.id == Comment.response_id)
            .where(Response.engagement_id == engagement.id)
        ).all()
        results = engagement_results(engagement)
        instrument = engagement.instrument()
        db.session.remove()
    assert db.engine is not None
    db.engine.dispose()
    yield SimpleNamespace(results=results, segments=segments, comments=comments,
                          instrument=instrument)


def test_apportion_gives_exact_group_sizes():
    assert Counter(apportion({"a": 0.10, "b": 0.175, "c": 0.725}, 40)) == {
        "a": 4, "b": 7, "c": 29}
    for count in (0, 1, 7, 34, 40, 200):
        assert len(apportion({"x": 0.38, "y": 0.22, None: 0.40}, count)) == count


def test_every_comment_answers_the_question_it_sits_under(demo):
    questions = {q.id: q for audience in demo.instrument.audiences()
                 for q in demo.instrument.questionnaires[audience].open_questions}
    assert set(COMMENTS) == set(questions)
    pools = {
        qid: {text for tone in (COMMENTS[qid], SHORT_COMMENTS.get(qid, {}))
              for texts in tone.values() for text in texts}
        for qid in COMMENTS
    }
    # No answer could sit under two questions: "what to change" and "what to keep"
    # never share a line.
    for qid, texts in pools.items():
        for other, other_texts in pools.items():
            if other != qid:
                assert not texts & other_texts, (qid, other)
    written = Counter(qid for qid, _ in demo.comments)
    assert set(written) == set(questions) and min(written.values()) >= 8
    for qid, text in demo.comments:
        assert text in pools[qid], (qid, text)
    # A story told in detail is told once; only short answers repeat.
    repeated = {text for text, n in Counter(text for _, text in demo.comments).items() if n > 1}
    short = {t for tones in SHORT_COMMENTS.values() for texts in tones.values() for t in texts}
    assert repeated <= short


def test_the_staff_are_a_real_firms_mix(demo):
    level, function = demo.segments["staff_level"], demo.segments["staff_function"]
    assert sum(level.values()) == 40
    assert level["leadership"] == 4  # a handful of senior leaders, not 17 of 40
    assert level["individual"] >= 28
    front_line = function["service"] + function["operations"] + function["sales"]
    assert front_line >= 25 and function.most_common(1)[0][0] == "service"
    facing = demo.segments["staff_customer_facing"]
    assert facing["yes"] > facing["no"] > 0
    tenure = demo.segments["staff_tenure"]
    assert all(tenure[o] >= 5 for o in ("under_1y", "1_3y", "3_10y", "over_10y"))
    customers = demo.segments["customer_length"]
    assert customers.most_common(1)[0][0] == "3_10y" and customers["under_1y"] >= 10


def test_segment_heatmaps_have_groups_and_hide_only_small_ones(demo):
    segments = demo.results.segments
    shown = {sid: [g.option for g in s.groups if not g.suppressed]
             for sid, s in segments.items()}
    assert len(shown["staff_function"]) >= 4
    assert shown["customer_length"] == ["under_1y", "1_3y", "3_10y", "over_10y"]
    # The one case of complementary suppression (rule 15): four leaders are too few,
    # so the managers are hidden beside them; a small group, not a large one.
    hidden = {(sid, g.option) for sid, s in segments.items() for g in s.groups
              if g.suppressed}
    assert ("staff_level", "leadership") in hidden and ("staff_level", "manager") in hidden
    threshold = demo.results.parameters.anonymity_threshold
    protected = [(sid, o) for sid, o in hidden if demo.segments[sid][o] >= threshold]
    assert protected == [("staff_level", "manager")]
    assert demo.segments["staff_level"]["manager"] <= 10


def test_the_figures_tell_the_story(demo):
    results = demo.results
    assert results.audiences["staff"].responses == 40
    assert results.audiences["customer"].responses == 200
    position = results.position
    assert position.quadrant_label == "Customer-centric as a means"
    assert position.maturity_level == 3 and not position.self_rated
    staff, customers = results.indices["staff"], results.indices["customer"]
    assert staff.means is not None and staff.ends is not None and customers.ends is not None
    assert staff.means >= 60 and 74 <= staff.ends <= 80 and 40 <= customers.ends <= 50
    dims = {d.id: d for d in results.dimensions}
    ends_gaps = {d.id: d.gap for d in results.dimensions
                 if d.lens == "ends" and d.gap is not None}
    # A broad, systemic gap: every end but one at least 25 points...
    assert all(gap >= 25 for did, gap in ends_gaps.items() if did != HIDDEN_STRENGTH)
    # ...two clearly worse than the rest...
    worst = sorted(ends_gaps, key=lambda did: -ends_gaps[did])[:2]
    assert set(worst) == ENDS_WORST
    rest = [gap for did, gap in ends_gaps.items() if did not in ENDS_WORST]
    assert min(ends_gaps[did] for did in ENDS_WORST) - max(rest) >= 5
    # ...and a hidden strength: customers think better of the people than staff do.
    assert ends_gaps[HIDDEN_STRENGTH] <= -10
    # A staff-only dimension clearly low, for a recommendation of its own.
    staff_only = {d.id: d.staff.score for d in results.dimensions
                  if d.customer is None and d.staff is not None}
    assert set(staff_only) == {"means_strategy", "means_organisation", "means_metrics",
                               "means_leadership"}
    assert staff_only["means_metrics"] is not None and staff_only["means_metrics"] < 50
    # Outcomes: more detractors than promoters, many hostages.
    assert results.nps.score is not None and -30 < results.nps.score < 0
    assert results.hostage_share is not None and 0.30 <= results.hostage_share <= 0.45
    # Cronbach's alpha as in real surveys.
    alphas = [s.alpha for d in dims.values() for s in (d.staff, d.customer)
              if s is not None and s.alpha is not None]
    assert len(alphas) >= 20 and all(0.7 <= a <= 0.95 for a in alphas)


def test_the_trend_moves_a_little(demo):
    trend = demo.results.trend
    assert trend is not None
    changes = [c for row in trend.values() for c in (row.staff_change, row.customer_change)
               if c is not None]
    assert len(changes) == 16 + 12
    assert all(abs(c) < 8 for c in changes) and any(abs(c) >= 2 for c in changes)
    # The sales push since last year: customers find the firm less giving.
    giving = trend["ends_giving"].customer_change
    assert giving is not None and giving < 0
