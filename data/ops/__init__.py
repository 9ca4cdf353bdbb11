"""Running Okno rather than serving requests: command-line argument checks, health and readiness,
scratch databases for tests and benches, and the event history's monthly partitions."""
