"""YAML reading that keeps `yes`, `no`, `on` and `off` as strings.

YAML 1.1 turns them into booleans, which silently breaks values such as `pregnant: yes`.
Only `true` and `false` are booleans in a pack.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class PackLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style booleans."""


PackLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PackLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=PackLoader)
