"""Pain points' classifier: the local rules, the LLM, and the tally of a window's texts."""
