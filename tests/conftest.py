import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="run slow tests (project workflows, full data)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow test, run with --slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="needs --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
