#!/usr/bin/env python3
"""Checks JSON documents of `forkscope pt/ps/frames --format=json` against
docs/pt-json-schema.json (python3-jsonschema).

    check_inspect_json.py FILE...          each FILE is one document ("-": stdin)
    check_inspect_json.py --samples EXE    EXE DIR writes documents to DIR; check them all

Prints one line per problem and exits 1 when there is any."""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "pt-json-schema.json")


def problems(validator, name, text):
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"{name}: not JSON: {e}"]
    return [f"{name}: {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in validator.iter_errors(doc)]


def main(argv):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    found, checked = [], 0
    if len(argv) == 2 and argv[0] == "--samples":
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([argv[1], out], check=True)
            for name in sorted(os.listdir(out)):
                with open(os.path.join(out, name), encoding="utf-8") as f:
                    found += problems(validator, name, f.read())
                checked += 1
    else:
        for path in argv:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
            found += problems(validator, path, text)
            checked += 1
    for p in found:
        print(p)
    if not checked:
        print("no documents to check")
        return 1
    print(f"{checked} document(s), {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
