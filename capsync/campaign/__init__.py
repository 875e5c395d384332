"""Stage 1 — the campaign as the admins describe it: configuration, référentiel, validation.

The two YAML files are read with the line of every key, validated into pydantic
models and cross-checked, so that every mistake is reported at once with its
place. Nothing here knows about workbooks, backends or the store.
"""
