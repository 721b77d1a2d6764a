"""Accounts and sign-in: argon2 password hashes, lockout with back-off, server-side sessions
with a CSRF token each, and API tokens stored hashed.

Exports the services in ``service.py`` and ``hash_password``/``verify_password``.
"""
