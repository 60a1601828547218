"""Deployment helpers for what CloudFormation does not do well: moving flows between instances."""
