"""Residents (every user account), roles granted on units, login."""
