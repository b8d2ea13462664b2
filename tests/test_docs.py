"""The documentation site's API pages name every public name (``make docs`` builds them)."""

from __future__ import annotations

import re
from pathlib import Path

import offloadsched

API = Path(__file__).resolve().parents[1] / "docs" / "api"


def _documented() -> set[str]:
    """Names given to an autodoc or a Python-domain directive in docs/api/*.rst."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in API.glob("*.rst"))
    return set(re.findall(r"^\.\. (?:auto)?(?:function|class|exception|data|module)::\s+(\S+)", text, re.M))


def test_every_public_name_has_an_api_entry():
    documented = _documented()
    missing = [n for n in offloadsched.__all__ if n != "__version__" and n not in documented]
    assert not missing, f"add to docs/api/*.rst: {missing}"


def test_the_instance_zoo_is_documented():
    documented = _documented()
    assert "offloadsched.instances" in documented  # automodule with :members: covers its __all__
    assert {"offloadsched.instances.zoo", "offloadsched.instances.platforms"} <= documented
