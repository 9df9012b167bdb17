"""Read side and persistence: the event store's PostgreSQL recorder and read models."""
