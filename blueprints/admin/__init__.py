"""Admin pages for users, roles, places and report categories."""
