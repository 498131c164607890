"""Quality first: the premium tier every time, with reasoning effort set from difficulty."""

from costroute.policy import quality_first

policy = quality_first(reasoning=True)
