"""Imported first by the benchmarks that route calls: like any application, a benchmark keeps
litellm offline itself (its bundled price map, no download at its import), since costroute
writes no environment variable. A value already set is kept."""

import os

from costroute.cli._env import LITELLM_OFFLINE

for key, value in LITELLM_OFFLINE.items():
    os.environ.setdefault(key, value)
