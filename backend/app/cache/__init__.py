"""The result cache: reused answers, in the process or in Redis, and the HTTP validators."""
