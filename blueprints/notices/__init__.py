"""The in-app inbox: every party is told of what concerns them."""
