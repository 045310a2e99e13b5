"""The compiled parts of the project: pain points' scanner and text keys (the rest is in pyproject.toml)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "backend.app.analytics.pain_points._cue_scan",
            sources=["backend/app/analytics/pain_points/_cue_scan.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra"],
        ),
        Extension(
            "backend.app.analytics.pain_points._text_keys",
            sources=["backend/app/analytics/pain_points/_text_keys.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra"],
        ),
    ]
)
