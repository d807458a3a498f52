"""Home page, health check, language and text-size preferences, demo data."""
