"""Run the server by hand: `python -m tests.google_api --port 8765` (for benchmarks)."""

from __future__ import annotations

import argparse

from .server import GoogleApiServer
from .state import State


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reads-per-minute", type=int, default=60)
    parser.add_argument("--writes-per-minute", type=int, default=60)
    parser.add_argument("--no-quota", action="store_true", help="never answer 429 for quota")
    args = parser.parse_args()
    state = State()
    state.quota.reads_per_minute = args.reads_per_minute
    state.quota.writes_per_minute = args.writes_per_minute
    state.quota.enabled = not args.no_quota
    server = GoogleApiServer(state, args.host, args.port)
    print(f"Google API test server on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
