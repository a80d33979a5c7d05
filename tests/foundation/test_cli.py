import json

from sqlalchemy import select

from assess.accounts.models import User
from assess.extensions import db
from assess.workspaces.models import Membership


def test_user_create(runner):
    assert runner.invoke(args=["workspace", "create", "Northwind Consulting"]).exit_code == 0
    result = runner.invoke(args=["user", "create", "a@example.com", "--role", "owner",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert "Created a@example.com as owner of Northwind Consulting." in result.output
    user = db.session.scalar(select(User))
    assert user.email == "a@example.com"
    [membership] = db.session.scalars(select(Membership)).all()
    assert (membership.user_id, membership.role) == (user.id, "owner")
    # The same person in a second workspace: a membership, not a second user.
    assert runner.invoke(args=["workspace", "create", "Acme Ltd"]).exit_code == 0
    again = runner.invoke(args=["user", "create", "a@example.com", "--role", "owner",
                                "--password", "long-enough-pw"])
    assert again.exit_code == 1
    assert "say which with --workspace" in again.output
    added = runner.invoke(args=["user", "create", "a@example.com", "--workspace", "Acme Ltd",
                                "--role", "reader"])
    assert added.exit_code == 0, added.output
    assert "Added a@example.com as reader of Acme Ltd." in added.output
    assert len(db.session.scalars(select(User)).all()) == 1


def test_user_create_explains_a_bad_email(runner):
    runner.invoke(args=["workspace", "create", "Northwind Consulting"])
    result = runner.invoke(args=["user", "create", "nope", "--role", "reader",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 1
    assert "'nope' is not an e-mail address" in result.output


def test_engagement_lifecycle(runner):
    without = runner.invoke(args=["engagement", "create", "--organisation", "Acme",
                                  "--name", "2026"])
    assert without.exit_code == 1 and "assess workspace create NAME" in without.output
    runner.invoke(args=["workspace", "create", "Northwind Consulting"])
    created = runner.invoke(args=["engagement", "create", "--organisation", "Acme",
                                  "--name", "2026"])
    assert created.exit_code == 0, created.output
    engagement_id = created.output.strip()
    listed = runner.invoke(args=["engagement", "list"])
    assert f"{engagement_id}  draft" in listed.output
    assert runner.invoke(args=["engagement", "open", engagement_id]).exit_code == 0
    assert "open" in runner.invoke(args=["engagement", "list"]).output
    closed = runner.invoke(args=["engagement", "close", engagement_id])
    assert f"Engagement {engagement_id} is closed" in closed.output
    missing = runner.invoke(args=["engagement", "open", "999"])
    assert missing.exit_code == 1 and "no engagement 999" in missing.output


def test_demo_is_loaded_once_with_staff_rating_ends_higher(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Sign in as demo@assess.local" in result.output
    again = runner.invoke(args=["demo"])
    assert "already loaded" in again.output

    listed = runner.invoke(args=["engagement", "list"]).output
    assert "Northwind" in listed
    results = runner.invoke(args=["results", "2", "--format", "json"])
    assert results.exit_code == 0, results.output
    document = json.loads(results.output)
    assert document["audiences"]["staff"]["responses"] == 40
    assert document["audiences"]["customer"]["responses"] == 200
    staff_ends = document["indices"]["staff"]["ends"]
    customer_ends = document["indices"]["customer"]["ends"]
    assert staff_ends - customer_ends > 15
    # The earlier engagement of the same organisation gives a trend.
    assert document["trend"] is not None


def test_demo_is_deterministic(tmp_path):
    from assess import create_app
    from assess.demo.generate import load_demo
    from assess.respondents.models import Answer, SegmentAnswer

    def load(name: str) -> list:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / name}",
                          "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
        with app.app_context():
            db.create_all()
            load_demo(seed=7)
            db.session.commit()
            rows = db.session.execute(
                select(Answer.response_id, Answer.item_id, Answer.value)
                .order_by(Answer.response_id, Answer.item_id)
            ).all()
            rows += db.session.execute(
                select(SegmentAnswer.response_id, SegmentAnswer.question_id,
                       SegmentAnswer.option_id)
                .order_by(SegmentAnswer.response_id, SegmentAnswer.question_id)
            ).all()
            db.session.remove()
        db.engine.dispose()
        return rows

    first = load("a.sqlite")
    assert len(first) > 240 * 10
    assert first == load("b.sqlite")
