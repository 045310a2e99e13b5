"""The compiled part of the project: the pain-point labeller's scanner (everything else is in pyproject.toml)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "backend.app.analytics.pain_points._cue_scan",
            sources=["backend/app/analytics/pain_points/_cue_scan.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra"],
        )
    ]
)
