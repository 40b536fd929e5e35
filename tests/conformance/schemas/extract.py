"""Write the definitions the conformance suites check against, taken from a TM Forum v4
Swagger file: each root definition and every definition it reaches through ``$ref``,
copied unchanged.

    python tests/conformance/schemas/extract.py SPEC.json OUT.json ROOT [ROOT ...]
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

REFERENCE = re.compile(r"#/definitions/([A-Za-z0-9_]+)")


def extract(spec_path: Path, roots: list[str]) -> dict[str, object]:
    raw = spec_path.read_bytes()
    spec = json.loads(raw)
    definitions = spec["definitions"]
    chosen: dict[str, object] = {}
    waiting = list(roots)
    while waiting:
        name = waiting.pop()
        if name in chosen:
            continue
        chosen[name] = definitions[name]
        waiting += REFERENCE.findall(json.dumps(definitions[name]))
    return {
        "source": {
            "file": spec_path.name,
            "title": spec["info"]["title"],
            "version": spec["info"]["version"],
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        "definitions": dict(sorted(chosen.items())),
    }


if __name__ == "__main__":
    spec_file, out_file, *root_names = sys.argv[1:]
    document = extract(Path(spec_file), root_names)
    Path(out_file).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
