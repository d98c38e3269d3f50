#!/usr/bin/env python3
"""Reference readings for TestParserDifferential.

Reads every file named on stdin (one path a line), parses it with Python's
email package under the policies default and compat32, and prints one JSON
line per file: {"file": PATH, "default": B, "compat32": B}, where B says
whether that reading yields an attachment (a leaf that is not text/*, or
has a file name, or is disposed as an attachment) whose decoded payload
contains MARKER (given in hex as the only argument). A parse failure is a
reading that yields nothing, and is reported as "error:POLICY".
"""
import email
import email.policy
import json
import sys


def yields(data, policy, marker):
    msg = email.message_from_bytes(data, policy=policy)
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            continue
        if not payload or marker not in payload:
            continue
        disp = part.get("Content-Disposition", "")
        if (part.get_content_maintype() != "text" or part.get_filename() is not None
                or str(disp).strip().lower().startswith("attachment")):
            return True
    return False


def main():
    marker = bytes.fromhex(sys.argv[1])
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        with open(path, "rb") as f:
            data = f.read()
        out = {"file": path}
        for name, policy in (("default", email.policy.default), ("compat32", email.policy.compat32)):
            try:
                out[name] = yields(data, policy, marker)
            except Exception as e:  # the reading fails: it yields nothing
                out[name] = False
                out["error:" + name] = repr(e)[:200]
        print(json.dumps(out), flush=False)


if __name__ == "__main__":
    main()
