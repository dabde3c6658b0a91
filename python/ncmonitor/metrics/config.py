"""The run config's ``metrics`` object (src/protocol/runConfig.ts, camelCase keys) with the TypeScript defaults.

The engine passes the validated config's ``metrics`` section; a user script may pass nothing, a partial dict, or a
dict with mistakes. Mistakes get a ValueError that names the field and the fix, as the zod schema would.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Mapping, Optional

CENTRINGS = ("class-means", "sample")
TAIL_SELECTIONS = ("shot", "fraction", "classes")

DEFAULT_METRICS_CONFIG: Dict[str, Any] = {
    "centring": "class-means",
    "tail": {"by": "shot", "fraction": 0.3, "classes": []},
    "collapseCosine": 0.5,
    "collapseRecall": 0.05,
    "maxHeatmapClasses": 100,
}


def metrics_config(config: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A complete metrics config: ``config`` over the defaults, checked field by field."""
    result = copy.deepcopy(DEFAULT_METRICS_CONFIG)
    if config is None:
        return result
    if not isinstance(config, Mapping):
        raise ValueError(f"metrics config must be a dict like the run config's \"metrics\" object, got {type(config).__name__}")
    for key, value in config.items():
        if key not in result:
            raise ValueError(f"metrics.{key}: unknown field; use one of {', '.join(sorted(result))} (camelCase, as in the run config)")
        if key == "tail":
            result["tail"] = _tail(value)
        else:
            result[key] = value
    if result["centring"] not in CENTRINGS:
        raise ValueError(f"metrics.centring must be one of {', '.join(CENTRINGS)}, got {result['centring']!r}")
    for key, low, high in (("collapseCosine", -1.0, 1.0), ("collapseRecall", 0.0, 1.0)):
        value = result[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"metrics.{key} must be a number in [{low:g}, {high:g}], got {value!r}")
    heatmap = result["maxHeatmapClasses"]
    if isinstance(heatmap, bool) or not isinstance(heatmap, int) or heatmap < 1:
        raise ValueError(f"metrics.maxHeatmapClasses must be a positive integer, got {heatmap!r}")
    return result


def _tail(value: Any) -> Dict[str, Any]:
    tail = copy.deepcopy(DEFAULT_METRICS_CONFIG["tail"])
    if not isinstance(value, Mapping):
        raise ValueError(f"metrics.tail must be an object like {{\"by\": \"shot\"}}, got {value!r}")
    for key, item in value.items():
        if key not in tail:
            raise ValueError(f"metrics.tail.{key}: unknown field; use by, fraction or classes")
        tail[key] = item
    if tail["by"] not in TAIL_SELECTIONS:
        raise ValueError(f"metrics.tail.by must be one of {', '.join(TAIL_SELECTIONS)}, got {tail['by']!r}")
    fraction = tail["fraction"]
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"metrics.tail.fraction must be a number strictly between 0 and 1, got {fraction!r}")
    classes = tail["classes"]
    if not isinstance(classes, (list, tuple)) or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in classes):
        raise ValueError(f"metrics.tail.classes must be a list of class indices, got {classes!r}")
    tail["classes"] = list(classes)
    return tail
