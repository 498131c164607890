"""Latency first: the deployment predicted to answer fastest (measured, else the prior)."""

from costroute.policy import latency_first

policy = latency_first()
