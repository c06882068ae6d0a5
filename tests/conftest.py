"""Shared test settings: hypothesis profiles ("dev" by default, "ci" when CI is set)."""

import os

from hypothesis import HealthCheck, settings

from chromium import browser  # noqa: F401 - the headless Chromium fixture (tests/chromium.py)

# the machine is shared and noisy, so no per-example deadline; CI runs fewer examples
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=25, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
