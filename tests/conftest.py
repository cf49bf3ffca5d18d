from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from favorpolicy.testing import register_profiles

# HYPOTHESIS_PROFILE=ci (set by .ci/run) runs 500 examples per property; dev is quick.
register_profiles()

InstallPlugin = Callable[[str, str, str], None]


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InstallPlugin:
    """Put a real distribution with a favorpolicy entry point on sys.path, for this test.

    ``install_plugin(module, source, entry_point_name)``: importlib.metadata finds
    its ``.dist-info`` exactly as it finds an installed package's.
    """

    def install(module: str, source: str, name: str) -> None:
        (tmp_path / f"{module}.py").write_text(source)
        info = tmp_path / f"{module}-1.0.dist-info"
        info.mkdir()
        project = module.replace("_", "-")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[favorpolicy]\n{name} = {module}\n")
        monkeypatch.syspath_prepend(str(tmp_path))

    return install
