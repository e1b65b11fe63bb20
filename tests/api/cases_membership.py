"""Membership through HTTP (api.md, Membership)."""
