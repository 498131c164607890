"""Cheapest capable: always the cheapest deployment that can serve the request."""

from costroute.policy import cheapest_capable

policy = cheapest_capable()
