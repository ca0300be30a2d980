"""Model-name rules people edit (rules/aliases.toml): aliases and timm family display names."""
from __future__ import annotations

from rules.files import load


def aliases() -> dict[str, str]:
    """Any source's spelling (lower case) → the canonical display name."""
    return {k.lower(): v for k, v in load("aliases").get("aliases", {}).items()}


def timm_families() -> dict[str, str]:
    """timm architecture family (`convnextv2`) → display name ("ConvNeXt V2")."""
    return dict(load("aliases").get("timm_families", {}))
