"""Stage 9 — the jobs an admin or the daemon runs: generate, pull, import, sync, demo, daemon.

Each job composes the lower stages around one backend and one store, and takes
its clock as an argument; only the CLI and the daemon read the system clock.
"""
