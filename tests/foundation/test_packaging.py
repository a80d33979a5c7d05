"""A built wheel, installed into a clean virtualenv, carries everything it needs."""

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True,
    )
    return next(out.glob("assess-*.whl"))


def test_wheel_contains_templates_questionnaires_migrations_and_static(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "assess/_data/templates/base.html",
        "assess/_data/templates/report/pdf/report.html",
        "assess/_data/questionnaires/customer-centricity/instrument.yaml",
        "assess/_data/migrations/env.py",
        "assess/_data/migrations/versions/0001_initial_schema.py",
        "assess/_data/static/css/report.css",
        "assess/_data/static/fonts/ibm-plex-sans-latin-400-normal.woff",
        "assess/accounts/data/common-passwords.txt",  # the password policy's list
    ):
        assert expected in names, expected


@pytest.mark.slow
def test_installed_wheel_runs_demo_and_serves(wheel, tmp_path):
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    # Reuse this environment's dependencies; install only the wheel itself, cleanly.
    site = subprocess.run(
        [str(target / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {**os.environ, "ASSESS_INSTANCE_PATH": str(tmp_path / "instance"),
           "PYTHONPATH": ""}
    env.pop("ASSESS_DATABASE_URL", None)
    python = str(target / "bin" / "python")

    def assess(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-m", "assess", *args], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run(
        [python, "-c", "import assess.paths as p; print(p.templates_dir())"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert "site-packages" in where or "_data" in where
    upgraded = assess("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    demo = assess("demo")
    assert demo.returncode == 0, demo.stderr
    assert "Sign in as demo@assess.local" in demo.stdout
    port = _free_port()
    server = subprocess.Popen([python, "-m", "assess", "run", "--port", str(port)],
                              cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/login", seconds=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Sign in" in body


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: int) -> str:
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
