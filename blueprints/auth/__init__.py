"""Accounts: sign-up, login, passwords, roles in places."""
