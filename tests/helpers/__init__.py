"""Helpers shared by test directories (imported as tests.helpers.NAME)."""
