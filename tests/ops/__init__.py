"""Tests of operations: systemd units, ha-setup, `up`, doctor."""
