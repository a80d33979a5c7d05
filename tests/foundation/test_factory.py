import os
import stat

from assess import create_app


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSESS_DATABASE_URL", raising=False)
    monkeypatch.delenv("ASSESS_SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'assess.sqlite'}"


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSESS_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_environment_variables_with_the_assess_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESS_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ASSESS_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    monkeypatch.setenv("ASSESS_BASE_URL", "https://survey.example.com")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["DATABASE_URL"].endswith("/env.sqlite")
    assert app.config["BASE_URL"] == "https://survey.example.com"
    assert not (tmp_path / "secret_key").exists()


def test_test_config_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESS_SECRET_KEY", "env")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"})
    assert app.config["SECRET_KEY"] == "test"


def test_postgres_urls_use_psycopg3():
    from assess.db import normalise_url

    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
