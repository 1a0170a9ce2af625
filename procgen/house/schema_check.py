"""A small compiler from the house JSON schema to plain Python checks.

``jsonschema`` interprets the schema on every call and takes ~50 ms per generated house; the house
schema only uses a handful of keywords, so compiling it once into nested closures validates a
house in well under a millisecond. Tests check that the two agree (on generated houses and on
hypothesis-fuzzed broken ones). Supported keywords: type, required, properties, items, minItems,
maxItems, minLength, minimum, maximum, const, allOf, $ref (local "#/$defs/..." only).
"""

from __future__ import annotations

from collections.abc import Callable

# A compiled check returns None when the value is valid, else (reversed path parts, message); the
# path is only assembled on failure so the success path allocates nothing.
Check = Callable[[object], "tuple[list, str] | None"]

_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: (type(v) is float or type(v) is int) or (isinstance(v, (int, float)) and not isinstance(v, bool)),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def format_path(parts: list) -> str:
    """Reversed path parts -> 'rooms[2].floorPolygon[0].x'."""
    out = ""
    for key in reversed(parts):
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out


class SchemaCompiler:
    def __init__(self, root: dict):
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, node: dict | None = None) -> Callable[[object], tuple[str, str] | None]:
        check = self._node(self.root if node is None else node)

        def run(value):
            r = check(value)
            return None if r is None else (format_path(r[0]), r[1])

        return run

    def _ref(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        if ref not in self.refs:
            target = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            holder: list[Check] = []
            self.refs[ref] = lambda v: holder[0](v)
            holder.append(self._node(target))
        return self.refs[ref]

    def _node(self, node: dict) -> Check:
        checks: list[Check] = []
        unknown = set(node) - {"$schema", "$id", "title", "description", "$defs", "type", "required", "properties",
                               "items", "minItems", "maxItems", "minLength", "minimum", "maximum", "const", "allOf", "$ref"}
        if unknown:
            raise ValueError(f"schema keywords not supported by the compiler: {sorted(unknown)}")
        if "$ref" in node:
            checks.append(self._ref(node["$ref"]))
        for sub in node.get("allOf", []):
            checks.append(self._node(sub))
        if "const" in node:
            const = node["const"]
            checks.append(lambda v, c=const: None if v == c and type(v) is type(c) else ([], f"{v!r} was expected to be {c!r}"))
        if "type" in node:
            tname = node["type"]
            test = _TYPES[tname]
            checks.append(lambda v, t=test, n=tname: None if t(v) else ([], f"{v!r:.60} is not of type {n!r}"))
        if "required" in node:
            req = tuple(node["required"])

            def required(v, req=req):
                if isinstance(v, dict):
                    for k in req:
                        if k not in v:
                            return ([k], f"{k!r} is a required property")
                return None

            checks.append(required)
        if "properties" in node:
            props = tuple((k, self._node(s)) for k, s in node["properties"].items())

            def properties(v, props=props):
                if isinstance(v, dict):
                    for k, c in props:
                        if k in v:
                            r = c(v[k])
                            if r is not None:
                                r[0].append(k)
                                return r
                return None

            checks.append(properties)
        if "minItems" in node or "maxItems" in node:
            lo, hi = node.get("minItems", 0), node.get("maxItems", None)

            def count(v, lo=lo, hi=hi):
                if isinstance(v, list):
                    if len(v) < lo:
                        return ([], f"should have at least {lo} items, has {len(v)}")
                    if hi is not None and len(v) > hi:
                        return ([], f"should have at most {hi} items, has {len(v)}")
                return None

            checks.append(count)
        if "items" in node:
            item = self._node(node["items"])

            def items(v, item=item):
                if isinstance(v, list):
                    for i, x in enumerate(v):
                        r = item(x)
                        if r is not None:
                            r[0].append(i)
                            return r
                return None

            checks.append(items)
        if "minLength" in node:
            n = node["minLength"]
            checks.append(lambda v, n=n: ([], f"should have at least {n} characters") if isinstance(v, str) and len(v) < n else None)
        if "minimum" in node:
            m = node["minimum"]
            checks.append(lambda v, m=m: ([], f"{v} is less than the minimum {m}") if _TYPES["number"](v) and v < m else None)
        if "maximum" in node:
            m = node["maximum"]
            checks.append(lambda v, m=m: ([], f"{v} is more than the maximum {m}") if _TYPES["number"](v) and v > m else None)
        if len(checks) == 1:
            return checks[0]
        checks_t = tuple(checks)

        def all_checks(v, checks=checks_t):
            for c in checks:
                r = c(v)
                if r is not None:
                    return r
            return None

        return all_checks
