"""Shared fixtures. Tests that read ../shared are marked `shared` and skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "pincite" / "samples"
SHARED = Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared"))
CORPUS_REAL = SHARED / "corpus-real"

needs_shared = pytest.mark.skipif(not CORPUS_REAL.is_dir(), reason="../shared/corpus-real is absent")


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """The CLI reads ~/.config/pincite/config.toml: tests never see the user's."""
    monkeypatch.delenv("PINCITE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty pincite home, also set as PINCITE_HOME for CLI runs."""
    h = tmp_path / "home"
    monkeypatch.setenv("PINCITE_HOME", str(h))
    return h


@pytest.fixture(scope="session")
def samples_home(tmp_path_factory):
    """A home with no documents of its own, so read commands answer from the bundled samples (built
    once per test process). Shared: tests only read it."""
    from pincite.workspace import Workspace

    h = tmp_path_factory.mktemp("samples") / "home"
    Workspace(h).reader()
    return h
