"""Conformance tools: lint (house rules), certify (live checks), compat (evolution checks).

Imports `croupier` (and `codegen.generated`); nothing imports it but `croupier.cli`.
"""
