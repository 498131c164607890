"""Imported first by the benchmarks that route calls: like any application, a benchmark keeps
litellm offline itself (its bundled price map, no download at its import), since costroute
writes no environment variable. A value already set is kept."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
