"""Venues, meetings and QR check-in (§5): the one `check_in` service, its log, the kiosk, the desk and the API."""
