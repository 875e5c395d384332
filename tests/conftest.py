pytest_plugins = ["tests.google_api.fixtures"]
