"""Federated linear regression with NumPy: every SuperNode holds synthetic data from one true line."""
