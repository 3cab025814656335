"""The example's git repositories, made once per session (helpers are in pipeline.py)."""

from __future__ import annotations

import pytest
from pipeline import make_example


@pytest.fixture(scope="session")
def example(tmp_path_factory):
    return make_example(tmp_path_factory.mktemp("example"))
