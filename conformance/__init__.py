"""Conformance tools: lint (house rules), certify (live checks), compat (evolution checks).

Imports `croupier` (and `croupier.codegen.generated`); nothing imports it but `croupier.cli`.
"""
