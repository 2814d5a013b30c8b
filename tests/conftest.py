"""Session rules for every pytest suite of the project (tests/system, tests/prometheus,
tests/deploy): a skipped test fails the run. A suite whose tests all skip (a missing tool,
an unset variable) would otherwise pass in silence; here it fails and names each skip."""
import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CW_LONG") == "1":
        for item in items:  # the long variants run about ten times as much data
            item.add_marker(pytest.mark.timeout(3600))


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped; a skipped test fails the run:",
                            red=True)
        for r in skipped:
            reporter.write_line(f"  {r.nodeid}: {r.longrepr[-1] if r.longrepr else ''}",
                                red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
