"""One publisher process for the fault-injection tests: python publisher.py PARAMS_JSON.

Publishes with packaging_publish and the real tools. With PUBLISHER_PAUSE_BEFORE=<tool>, it
writes PUBLISHER_PAUSE_MARK and sleeps (PUBLISHER_PAUSE_SECONDS, default 600) before running
that tool, so a test can kill it half-way (staging seeded and packages copied, metadata not
yet written) at a known point.
Exits 0 on success, 1 with the one-line message on a PublishError.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "roles" / "packaging-base" / "library"), str(ROOT / "tests" / "unit")]

import packaging_publish as pp  # noqa: E402
from publish_helpers import real_run  # noqa: E402


def run(argv, env=None):
    if os.environ.get("PUBLISHER_PAUSE_BEFORE") == os.path.basename(argv[0]):
        Path(os.environ["PUBLISHER_PAUSE_MARK"]).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("PUBLISHER_PAUSE_SECONDS", "600")))
    return real_run(argv, env)


def main():
    try:
        result = pp.publish(json.loads(sys.argv[1]), run)
    except pp.PublishError as exc:
        print(exc)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
