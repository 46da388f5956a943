"""Tests that pin verify.py: each kills mutants that survived the module's other tests (bench/mutation.py)."""
