"""Generators: typed models and Avro twins from the contract. Imports only `croupier`.

`codegen/generated/` is written by `croupier gen` alone and is never edited by hand.
"""
