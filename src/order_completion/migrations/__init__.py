"""Alembic migrations, shipped inside the package so ``order-completion migrate`` works
wherever the package is installed."""
