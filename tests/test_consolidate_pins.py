"""Tests that pin consolidate.py: each kills mutants that survived the module's other tests (bench/mutation.py)."""
