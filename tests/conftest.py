# The PostgreSQL server fixtures (postgres_server, postgres_url, database_url) for every test directory.
pytest_plugins = ["tests.postgres"]
